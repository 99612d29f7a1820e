"""The phone side of DHCP: one UDP socket, any number of phones.

Answers are handed to the phone whose transaction id (xid) they carry, so a
fleet shares one socket instead of opening one per phone.

With `keep_answers`, every answer to a transaction the endpoint listened for is
also kept, including those that arrive after the phone stopped listening: on a
segment with several DHCP servers the admin needs to see every server that
answered, not only the one the phone used.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from phonesim.drivers.packet_capture import DatagramTap

AnswerHandler = Callable[[bytes, str], None]

_XID = slice(4, 8)


@dataclass(frozen=True)
class ReceivedAnswer:
    at: float
    """time.monotonic() when it arrived."""
    source: str
    payload: bytes
    routed: bool
    """Handed to a phone that was still listening for it."""


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, endpoint: DhcpClientEndpoint) -> None:
        self._endpoint = endpoint

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        arrived = time.monotonic()  # before the capture spends time building headers
        if self._endpoint.tap is not None:
            self._endpoint.tap.received(data, addr)
        self._endpoint._deliver(data, f"{addr[0]}:{addr[1]}", arrived)

    def error_received(self, exc: Exception) -> None:
        self._endpoint.errors += 1


class DhcpClientEndpoint:
    def __init__(
        self,
        server: tuple[str, int],
        *,
        tap: DatagramTap | None = None,
        keep_answers: bool = False,
    ) -> None:
        self.server = server
        self.tap = tap
        """Where sent and received datagrams are recorded (the run's capture), if anywhere."""
        self.keep_answers = keep_answers
        self.answers: list[ReceivedAnswer] = []
        self.first_sent: float | None = None
        """time.monotonic() of the first send, so answers can be timed from the INFORM."""
        self._kept: set[bytes] = set()
        self.last_arrival: float | None = None
        """time.monotonic() when the datagram being handed over arrived."""
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

    async def open_socket(self, sock: socket.socket) -> None:
        """Use a socket bound beforehand (to port 68 on an interface, say) instead of binding here."""
        loop = asyncio.get_running_loop()
        self._transport, _ = await loop.create_datagram_endpoint(lambda: _Protocol(self), sock=sock)

    @property
    def local_address(self) -> tuple[str, int]:
        assert self._transport is not None
        host, port = self._transport.get_extra_info("sockname")[:2]
        return host, port

    def listen(self, xid: int, handler: AnswerHandler) -> None:
        self._handlers[xid.to_bytes(4, "big")] = handler
        if self.keep_answers:
            self._kept.add(xid.to_bytes(4, "big"))

    def forget(self, xid: int) -> None:
        self._handlers.pop(xid.to_bytes(4, "big"), None)

    def send(self, payload: bytes) -> None:
        assert self._transport is not None, "open() first"
        self._note_sent()
        self._transport.sendto(payload, self.server)
        if self.tap is not None:
            self.tap.sent(payload, self.server)

    def _note_sent(self) -> None:
        if self.first_sent is None:
            self.first_sent = time.monotonic()

    def _deliver(self, data: bytes, source: str, arrived: float | None = None) -> None:
        arrived = time.monotonic() if arrived is None else arrived
        self.last_arrival = arrived
        handler = self._handlers.get(data[_XID]) if len(data) >= 8 else None
        if self._kept and len(data) >= 8 and data[_XID] in self._kept:
            self.answers.append(ReceivedAnswer(arrived, source, data, handler is not None))
        if handler is None:
            self.unrouted += 1
            return
        handler(data, source)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
