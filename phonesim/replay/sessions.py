"""DHCP exchanges found in a capture, grouped the way a client and its servers see them.

A session is every message carrying one transaction id (xid) for one client
MAC: an INFORM with the ACKs of every server that answered it, or a DORA
exchange (with the `CPE-OCPHONE` VLAN query when the phone made one). The
assembler works on a stream: a session is complete once the capture has gone
quiet about it for a while, so a capture of any length is grouped with only
the open sessions in memory.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field

from phonesim.codec.dhcp_message import (
    BOOTREQUEST,
    DHCPACK,
    DHCPDECLINE,
    DHCPDISCOVER,
    DHCPINFORM,
    DHCPNAK,
    DHCPOFFER,
    DHCPRELEASE,
    DHCPREQUEST,
    ZERO_ADDRESS,
    DhcpMessage,
)
from phonesim.errors import PhonesimError

MESSAGE_TYPE_NAMES = {
    DHCPDISCOVER: "DHCPDISCOVER",
    DHCPOFFER: "DHCPOFFER",
    DHCPREQUEST: "DHCPREQUEST",
    DHCPDECLINE: "DHCPDECLINE",
    DHCPACK: "DHCPACK",
    DHCPNAK: "DHCPNAK",
    DHCPRELEASE: "DHCPRELEASE",
    DHCPINFORM: "DHCPINFORM",
}
UC_VENDOR_CLASS = "MS-UC-Client"
VLAN_QUERY_VENDOR_CLASS = "CPE-OCPHONE"

KIND_INFORM = "inform"
KIND_DORA = "dora"
KIND_OTHER = "other"


@dataclass(slots=True)
class SessionMessage:
    """One DHCP message as captured, decoded, with where it is in the file."""

    time: float
    record: int
    """The capture record (Wireshark frame number)."""
    offset: int
    """Byte offset of that record in the file."""
    interface: str
    vlans: tuple[int, ...]
    source: str
    """ip:port"""
    destination: str
    payload: bytes
    message: DhcpMessage
    copies: int = 1
    """How many identical copies the capture holds (several interfaces, a mirror port)."""
    copy_interfaces: tuple[str, ...] = ()

    @property
    def from_client(self) -> bool:
        return self.message.op == BOOTREQUEST

    @property
    def type_name(self) -> str:
        kind = self.message.message_type
        if kind is None:
            return "BOOTP"
        return MESSAGE_TYPE_NAMES.get(kind, f"DHCP type {kind}")

    @property
    def server(self) -> str:
        """Who answered: the server identifier (option 54), else the sender's address."""
        return self.message.server_id or self.source.rsplit(":", 1)[0]


@dataclass
class DhcpSession:
    number: int
    xid: int
    client_mac: str
    messages: list[SessionMessage] = field(default_factory=list)
    dropped: int = 0
    """Messages beyond the per-session limit: counted, not kept."""

    @property
    def first_time(self) -> float:
        return self.messages[0].time

    @property
    def last_time(self) -> float:
        return max(message.time for message in self.messages)

    @property
    def requests(self) -> list[SessionMessage]:
        return [m for m in self.messages if m.from_client]

    @property
    def answers(self) -> list[SessionMessage]:
        return [m for m in self.messages if not m.from_client]

    @property
    def types(self) -> set[int]:
        return {m.message.message_type for m in self.messages if m.message.message_type}

    @property
    def kind(self) -> str:
        types = self.types
        if DHCPINFORM in types:
            return KIND_INFORM
        if types & {DHCPDISCOVER, DHCPOFFER, DHCPREQUEST}:
            return KIND_DORA
        # Only the answers were captured (a mirror of the server port): an ACK
        # that hands out no address and no lease answers an INFORM.
        acks = [m.message for m in self.answers if m.message.message_type == DHCPACK]
        if acks and all(a.yiaddr == ZERO_ADDRESS and a.lease_time is None for a in acks):
            return KIND_INFORM
        return KIND_OTHER

    @property
    def vendor_class(self) -> str | None:
        """The class the client asked as (option 60 of its first request that has one)."""
        for request in self.requests:
            if request.message.vendor_class is not None:
                return request.message.vendor_class
        return None

    @property
    def is_vlan_query(self) -> bool:
        return self.vendor_class == VLAN_QUERY_VENDOR_CLASS

    @property
    def client_address(self) -> str | None:
        for message in self.messages:
            if message.message.ciaddr != ZERO_ADDRESS:
                return message.message.ciaddr
        for message in self.answers:
            if message.message.yiaddr != ZERO_ADDRESS:
                return message.message.yiaddr
        return None

    @property
    def inform(self) -> SessionMessage | None:
        return next((m for m in self.requests if m.message.message_type == DHCPINFORM), None)

    @property
    def acks(self) -> list[SessionMessage]:
        return [m for m in self.answers if m.message.message_type == DHCPACK]

    @property
    def servers(self) -> list[str]:
        """Every server that answered, in the order their first answer arrived."""
        seen: dict[str, None] = {}
        for answer in sorted(self.answers, key=lambda m: m.time):
            seen.setdefault(answer.server, None)
        return list(seen)

    @property
    def interfaces(self) -> list[str]:
        seen: dict[str, None] = {}
        for message in self.messages:
            for name in (message.interface, *message.copy_interfaces):
                if name:
                    seen.setdefault(name, None)
        return list(seen)

    @property
    def vlans(self) -> list[tuple[int, ...]]:
        seen: dict[tuple[int, ...], None] = {}
        for message in self.messages:
            if message.vlans:
                seen.setdefault(message.vlans, None)
        return list(seen)

    @property
    def domain(self) -> str | None:
        """Option 15 from any answer: the DNS domain the phone's lookups use."""
        for answer in self.answers:
            try:
                domain = answer.message.domain_name
            except PhonesimError:
                continue
            if domain:
                return domain
        return None


class SessionAssembler:
    """Groups DHCP messages into sessions as they stream past, in capture order.

    A session is complete when nothing has been seen for it for `idle`
    seconds of capture time, or when it began more than `max_age` seconds ago.
    Complete sessions are handed out in the order they began, so numbering
    is stable and follows the capture.
    """

    def __init__(
        self,
        *,
        idle: float = 60.0,
        max_age: float = 300.0,
        max_messages: int = 64,
        copy_window: float = 1.0,
    ) -> None:
        self.idle = idle
        self.max_age = max_age
        self.max_messages = max_messages
        self.copy_window = copy_window
        self._open: dict[tuple[int, str], DhcpSession] = {}
        self._last_seen: dict[tuple[int, str], float] = {}
        self._done: list[tuple[int, int, DhcpSession]] = []
        self._next_number = 1
        self._next_release = 1
        self._next_sweep: float | None = None

    @property
    def open_sessions(self) -> int:
        return len(self._open)

    def add(self, message: SessionMessage) -> Iterator[DhcpSession]:
        """Take one message; yield the sessions it makes complete."""
        key = (message.message.xid, message.message.chaddr)
        session = self._open.get(key)
        if session is None:
            session = DhcpSession(self._next_number, key[0], key[1])
            self._next_number += 1
            self._open[key] = session
        self._last_seen[key] = max(self._last_seen.get(key, message.time), message.time)
        self._keep(session, message)
        if self._next_sweep is None or message.time >= self._next_sweep:
            self._next_sweep = message.time + min(self.idle, self.max_age) / 4
            self._sweep(message.time)
        yield from self._release()

    def finish(self) -> Iterator[DhcpSession]:
        """The capture ended: every open session is complete."""
        for key in list(self._open):
            self._close(key)
        yield from self._release()

    def _keep(self, session: DhcpSession, message: SessionMessage) -> None:
        for earlier in reversed(session.messages):
            if message.time - earlier.time > self.copy_window:
                break
            if earlier.payload == message.payload and earlier.from_client == message.from_client:
                earlier.copies += 1
                if message.interface and message.interface not in (
                    earlier.interface,
                    *earlier.copy_interfaces,
                ):
                    earlier.copy_interfaces = (*earlier.copy_interfaces, message.interface)
                return
        if len(session.messages) >= self.max_messages:
            session.dropped += 1
            return
        session.messages.append(message)

    def _sweep(self, now: float) -> None:
        for key, session in list(self._open.items()):
            if now - self._last_seen[key] > self.idle or now - session.first_time > self.max_age:
                self._close(key)

    def _close(self, key: tuple[int, str]) -> None:
        session = self._open.pop(key)
        del self._last_seen[key]
        session.messages.sort(key=lambda m: (m.time, m.record))
        heapq.heappush(self._done, (session.number, id(session), session))

    def _release(self) -> Iterator[DhcpSession]:
        while self._done and self._done[0][0] == self._next_release:
            yield heapq.heappop(self._done)[2]
            self._next_release += 1
