"""Large receive buffers for the UDP sockets that many phones share.

A fleet powers phones on in bursts: hundreds of DHCP answers or DNS replies
can arrive before the event loop reads one. With the kernel's default buffer
(about 200 KB, a few hundred datagrams) the rest are dropped and the phones
retransmit; the load test would then measure our buffer, not the server.

Where the buffer is not enough (no privilege to enlarge it past the system's
limit, a server slower than the burst), the kernel counts what it dropped on
each socket; `receive_drops` reads those counters, so that a fleet report can
say how many datagrams were lost rather than let them pass for slow answers.
"""

from __future__ import annotations

import socket
import sys
from dataclasses import dataclass
from pathlib import Path

SHARED_SOCKET_BUFFER = 8 * 1024 * 1024
_SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", None)


def enlarge_socket_buffer(sock: socket.socket, size: int = SHARED_SOCKET_BUFFER) -> int:
    if _SO_RCVBUFFORCE is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, _SO_RCVBUFFORCE, size)
        except OSError:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)
    else:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)
    return int(sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))


PROC_UDP_TABLES = (Path("/proc/net/udp"), Path("/proc/net/udp6"))


@dataclass(frozen=True, slots=True)
class SocketDrops:
    address: str
    port: int
    inode: int
    drops: int
    """Datagrams the kernel dropped on this socket since it opened (receive buffer full)."""


def receive_drops(tables: tuple[Path, ...] = PROC_UDP_TABLES) -> list[SocketDrops] | None:
    """Every UDP socket of this network namespace with its drop counter; None where the
    kernel does not publish them (not Linux)."""
    found: list[SocketDrops] = []
    readable = False
    for table in tables:
        try:
            lines = table.read_text().splitlines()[1:]
        except OSError:
            continue
        readable = True
        for line in lines:
            parsed = _socket_line(line)
            if parsed is not None:
                found.append(parsed)
    return found if readable else None


def _socket_line(line: str) -> SocketDrops | None:
    fields = line.split()
    if len(fields) < 13:
        return None
    hex_address, _, hex_port = fields[1].partition(":")
    try:
        return SocketDrops(
            _address(hex_address), int(hex_port, 16), int(fields[9]), int(fields[-1])
        )
    except ValueError:
        return None


def _address(text: str) -> str:
    """The kernel prints each 32-bit word of the address in the host's byte order."""
    words = [int(text[i : i + 8], 16).to_bytes(4, sys.byteorder) for i in range(0, len(text), 8)]
    raw = b"".join(words)
    family = socket.AF_INET if len(raw) == 4 else socket.AF_INET6
    return socket.inet_ntop(family, raw)


def own_socket_inodes() -> set[int]:
    """The inodes of this process's open sockets (to find them in `receive_drops`)."""
    inodes: set[int] = set()
    try:
        descriptors = list(Path("/proc/self/fd").iterdir())
    except OSError:
        return inodes
    for descriptor in descriptors:
        try:
            target = descriptor.readlink().name
        except OSError:
            continue  # closed meanwhile
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes
