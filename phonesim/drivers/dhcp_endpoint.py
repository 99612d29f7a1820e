"""The phone side of DHCP: one UDP socket, any number of phones.

Answers are handed to the phone whose transaction id (xid) they carry, so a
fleet shares one socket instead of opening one per phone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

AnswerHandler = Callable[[bytes, str], None]

_XID = slice(4, 8)


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, endpoint: DhcpClientEndpoint) -> None:
        self._endpoint = endpoint

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self._endpoint._deliver(data, f"{addr[0]}:{addr[1]}")

    def error_received(self, exc: Exception) -> None:
        self._endpoint.errors += 1


class DhcpClientEndpoint:
    def __init__(self, server: tuple[str, int]) -> None:
        self.server = server
        self._handlers: dict[bytes, AnswerHandler] = {}
        self._transport: asyncio.DatagramTransport | None = None
        self.unrouted = 0
        """Datagrams that matched no waiting phone (late, foreign, or garbage)."""
        self.errors = 0

    async def open(self, local: tuple[str, int] = ("127.0.0.1", 0)) -> None:
        loop = asyncio.get_running_loop()
        self._transport, _ = await loop.create_datagram_endpoint(
            lambda: _Protocol(self), local_addr=local
        )

    @property
    def local_address(self) -> tuple[str, int]:
        assert self._transport is not None
        host, port = self._transport.get_extra_info("sockname")[:2]
        return host, port

    def listen(self, xid: int, handler: AnswerHandler) -> None:
        self._handlers[xid.to_bytes(4, "big")] = handler

    def forget(self, xid: int) -> None:
        self._handlers.pop(xid.to_bytes(4, "big"), None)

    def send(self, payload: bytes) -> None:
        assert self._transport is not None, "open() first"
        self._transport.sendto(payload, self.server)

    def _deliver(self, data: bytes, source: str) -> None:
        handler = self._handlers.get(data[_XID]) if len(data) >= 8 else None
        if handler is None:
            self.unrouted += 1
            return
        handler(data, source)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
