"""A UDP socket on the event loop that reads every datagram waiting, not one per turn.

asyncio's datagram transport reads a single datagram each time the loop finds
the socket readable. A server or a shared client that receives bursts (a
fleet powering on) then answers one datagram per loop turn, behind every
other callback of that turn; under load its answers come seconds late. This
endpoint drains the socket (up to a bound) each time it is readable.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable

from phonesim.udp_buffers import SHARED_SOCKET_BUFFER, enlarge_socket_buffer

DatagramHandler = Callable[[bytes, tuple[str, int]], None]

MAX_DATAGRAM = 65535
DRAIN_LIMIT = 256
"""Datagrams read per readiness callback, so one busy socket cannot starve the loop."""


class UdpEndpoint:
    def __init__(self, on_datagram: DatagramHandler) -> None:
        self._on_datagram = on_datagram
        self._sock: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.send_errors = 0
        self.receive_errors = 0

    @classmethod
    async def open(
        cls,
        on_datagram: DatagramHandler,
        *,
        local: tuple[str, int] = ("127.0.0.1", 0),
        remote: tuple[str, int] | None = None,
    ) -> UdpEndpoint:
        endpoint = cls(on_datagram)
        family = socket.AF_INET6 if ":" in local[0] else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            sock.setblocking(False)
            sock.bind(local)
            if remote is not None:
                sock.connect(remote)
            enlarge_socket_buffer(sock, SHARED_SOCKET_BUFFER)
        except OSError:
            sock.close()
            raise
        endpoint._sock = sock
        endpoint._loop = asyncio.get_running_loop()
        endpoint._loop.add_reader(sock.fileno(), endpoint._drain)
        return endpoint

    @property
    def local_address(self) -> tuple[str, int]:
        assert self._sock is not None
        host, port = self._sock.getsockname()[:2]
        return host, port

    def sendto(self, data: bytes, address: tuple[str, int] | None = None) -> None:
        if self._sock is None:
            return
        try:
            if address is None:
                self._sock.send(data)
            else:
                self._sock.sendto(data, address)
        except (BlockingIOError, InterruptedError, ConnectionRefusedError):
            # UDP gives no guarantee: a full send buffer or an ICMP error from an
            # earlier datagram loses this one, as a lossy network would.
            self.send_errors += 1

    def _drain(self) -> None:
        sock = self._sock
        if sock is None:
            return
        for _ in range(DRAIN_LIMIT):
            try:
                data, address = sock.recvfrom(MAX_DATAGRAM)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                self.receive_errors += 1  # e.g. ICMP port unreachable for a connected socket
                continue
            self._on_datagram(data, address)

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            if self._loop is not None and not self._loop.is_closed():
                self._loop.remove_reader(sock.fileno())
            sock.close()
