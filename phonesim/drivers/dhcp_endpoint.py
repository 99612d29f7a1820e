"""The phone side of DHCP: one UDP socket, any number of phones.

Answers are handed to the phone whose transaction id (xid) and client MAC
(chaddr) they carry, so a fleet shares one socket instead of opening one per
phone; the MAC keeps two phones apart even if their random xids collide.

With `keep_answers`, every answer to a transaction the endpoint listened for is
also kept, including those that arrive after the phone stopped listening: on a
segment with several DHCP servers the admin needs to see every server that
answered, not only the one the phone used.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from phonesim.udp_endpoint import UdpEndpoint

if TYPE_CHECKING:
    from phonesim.drivers.packet_capture import DatagramTap

AnswerHandler = Callable[[bytes, str], None]

DEFAULT_MAX_ANSWERS = 64
_XID = slice(4, 8)
_CHADDR = slice(28, 34)


@dataclass(frozen=True)
class ReceivedAnswer:
    at: float
    """time.monotonic() when it arrived."""
    source: str
    payload: bytes
    routed: bool
    """Handed to a phone that was still listening for it."""


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
        self.last_arrival: float | None = None
        """time.monotonic() when the datagram being handed over arrived."""
        self._kept: set[bytes] = set()
        self._handlers: dict[bytes, AnswerHandler] = {}
        self._endpoint: UdpEndpoint | None = None
        self.unrouted = 0
        """Datagrams that matched no waiting phone (late, foreign, or garbage)."""
        self.max_answers = DEFAULT_MAX_ANSWERS
        """Answers kept, handed to the phone and captured per transaction (the profile's
        `dhcp.max_answers`); a server controls how many it sends, so past this a flood is
        only counted."""
        self.not_kept = 0
        """Datagrams past `max_answers`: counted, not kept, handed over or captured."""
        self._seen: dict[bytes, int] = {}
        self._captured_foreign = 0

    async def open(self, local: tuple[str, int] = ("127.0.0.1", 0)) -> None:
        self._endpoint = await UdpEndpoint.open(self._datagram, local=local)

    async def open_socket(self, sock: socket.socket) -> None:
        """Use a socket bound beforehand (to port 68 on an interface, say) instead of binding here."""
        self._endpoint = UdpEndpoint.from_socket(self._datagram, sock)

    @property
    def local_address(self) -> tuple[str, int]:
        assert self._endpoint is not None
        return self._endpoint.local_address

    def listen(self, xid: int, handler: AnswerHandler, mac: str | None = None) -> None:
        key = _key(xid, mac)
        self._handlers[key] = handler
        if self.keep_answers:
            self._kept.add(key)

    def forget(self, xid: int, mac: str | None = None) -> None:
        self._handlers.pop(_key(xid, mac), None)
        if not self.keep_answers and mac is not None:
            self._seen.pop(_key(xid, mac), None)  # a fleet's phones come and go

    def send(self, payload: bytes) -> None:
        assert self._endpoint is not None, "open() first"
        self._note_sent()
        self._endpoint.sendto(payload, self.server)
        if self.tap is not None:
            self.tap.sent(payload, self.server)

    def _note_sent(self) -> None:
        if self.first_sent is None:
            self.first_sent = time.monotonic()

    def _datagram(self, data: bytes, address: tuple[str, int]) -> None:
        arrived = time.monotonic()  # before the capture spends time building headers
        if not self._admitted(data):
            self.not_kept += 1
            return
        if self.tap is not None:
            self.tap.received(data, address)
        self._hand_over(data, f"{address[0]}:{address[1]}", arrived)

    def _admitted(self, data: bytes) -> bool:
        """Whether a datagram is within `max_answers` for its transaction (or, matching
        none, within `max_answers` of those)."""
        key = data[_XID] + data[_CHADDR] if len(data) >= 34 else b""
        if key not in self._seen and key and not self._waits_for(data):
            self._captured_foreign += 1
            return self._captured_foreign <= self.max_answers
        count = self._seen[key] = self._seen.get(key, 0) + 1
        return count <= self.max_answers

    def _waits_for(self, data: bytes) -> bool:
        keys = (data[_XID] + data[_CHADDR], data[_XID])
        return any(k in self._handlers or k in self._kept for k in keys)

    def _deliver(self, data: bytes, source: str, arrived: float | None = None) -> None:
        """A datagram another socket received (a relay's, a packet socket's)."""
        if not self._admitted(data):
            self.not_kept += 1
            return
        self._hand_over(data, source, arrived)

    def _hand_over(self, data: bytes, source: str, arrived: float | None = None) -> None:
        arrived = time.monotonic() if arrived is None else arrived
        self.last_arrival = arrived
        handler = None
        keys: tuple[bytes, ...] = ()
        if len(data) >= 34:
            keys = (data[_XID] + data[_CHADDR], data[_XID])
            handler = self._handlers.get(keys[0]) or self._handlers.get(keys[1])
        if self._kept and any(key in self._kept for key in keys):
            self.answers.append(ReceivedAnswer(arrived, source, data, handler is not None))
        if handler is None:
            self.unrouted += 1
            return
        handler(data, source)

    def close(self) -> None:
        if self._endpoint is not None:
            self._endpoint.close()
            self._endpoint = None


def _key(xid: int, mac: str | None) -> bytes:
    key = xid.to_bytes(4, "big")
    return key + bytes.fromhex(mac.replace(":", "")) if mac else key
