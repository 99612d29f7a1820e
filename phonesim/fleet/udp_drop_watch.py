"""Datagrams the kernel dropped during a fleet run, on the servers' sockets and the fleet's own.

A dropped DHCP, DNS or time request looks, from the phone, exactly like a
server that did not answer: the phone waits for its time-out. Counting the
drops on the receiving sockets tells the two apart. The servers' sockets can
be read when they run on this machine (the lab, often in another process),
found by their ports; the fleet's own by their inodes.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from phonesim.udp_buffers import SocketDrops, own_socket_inodes, receive_drops

_ANY = ("0.0.0.0", "::")


class UdpDropWatch:
    def __init__(self, servers: Mapping[str, tuple[str, int]]) -> None:
        """`servers`: the servers' addresses by name (dhcp, dns, time); only those on
        this machine (loopback) can be read."""
        self._servers = {
            name: address for name, address in servers.items() if _is_loopback(address[0])
        }
        self._before: dict[str, int] | None = None
        self._after: dict[str, int] | None = None

    def start(self) -> None:
        self._before = self._read()

    def stop(self) -> None:
        if self._before is not None and self._after is None:
            self._after = self._read()

    def _read(self) -> dict[str, int] | None:
        sockets = receive_drops()
        if sockets is None:
            return None
        counts: dict[str, int] = {}
        theirs: set[int] = set()
        for name, address in self._servers.items():
            matching = [s for s in sockets if _listens_at(s, address)]
            counts[f"server {name}"] = sum(s.drops for s in matching)
            theirs.update(s.inode for s in matching)
        mine = own_socket_inodes() - theirs  # a test may run the lab in this process
        counts["fleet"] = sum(s.drops for s in sockets if s.inode in mine)
        return counts

    def summary(self) -> dict[str, Any] | None:
        """{"servers": {"dhcp": n, "dns": n, "time": n} or None, "fleet": n}, counted over
        the run; None where the kernel publishes no counters."""
        if self._before is None or self._after is None:
            return None
        grown = {k: max(0, v - self._before.get(k, 0)) for k, v in self._after.items()}
        servers = {
            name.removeprefix("server "): n
            for name, n in grown.items()
            if name.startswith("server ")
        }
        return {"servers": servers or None, "fleet": grown["fleet"]}


def _listens_at(sock: SocketDrops, address: tuple[str, int]) -> bool:
    host, port = address
    return sock.port == port and sock.address in (host, *_ANY)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
