"""One phone's bring-up found in a capture: its VLAN query, its lease and its INFORM.

A phone's boot leaves several DHCP sessions with different transaction ids: the
`CPE-OCPHONE` VLAN query (untagged), its RELEASE, the lease on the voice VLAN (tagged),
then the DHCPINFORM. They are only one boot when read together, so the grouper holds a
client MAC's lease exchanges until its INFORM arrives (or the capture moves on), and
hands the group out as one `PhoneBoot`. A session that belongs to no boot (an INFORM
with no lease before it, a stray ACK) is handed out alone, as before.

Grouping works on the stream of complete sessions: only phones whose boot is still
open are held, and a boot the capture has been quiet about for `idle` seconds of
capture time is handed out as it stands.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from phonesim.codec.cpe_ocphone_option import decode_cpe_ocphone_option
from phonesim.codec.dhcp_message import DHCPDECLINE, DHCPRELEASE
from phonesim.errors import PhonesimError
from phonesim.replay.sessions import (
    KIND_DORA,
    KIND_INFORM,
    UC_VENDOR_CLASS,
    VLAN_QUERY_VENDOR_CLASS,
    DhcpSession,
)

VLAN_QUERY = "vlan_query"
LEASE = "lease"
INFORM = "inform"
RELEASE = "release"

PHONE_CLASSES = frozenset({VLAN_QUERY_VENDOR_CLASS, UC_VENDOR_CLASS})
MAX_OPEN_BOOTS = 4096
"""Phones whose boot is held open at once; the oldest is handed out beyond this."""


@dataclass
class PhoneBoot:
    """The sessions of one phone's boot, each in its part."""

    client_mac: str
    vlan_query: DhcpSession | None = None
    lease: DhcpSession | None = None
    inform: DhcpSession | None = None
    releases: list[DhcpSession] = field(default_factory=list)

    @property
    def sessions(self) -> list[DhcpSession]:
        parts = [self.vlan_query, self.lease, self.inform, *self.releases]
        return sorted((s for s in parts if s is not None), key=lambda s: s.number)

    @property
    def last_time(self) -> float:
        return max(s.last_time for s in self.sessions)

    @property
    def first_time(self) -> float:
        return min(s.first_time for s in self.sessions)

    def part_of(self, session: DhcpSession) -> str:
        if session is self.vlan_query:
            return VLAN_QUERY
        if session is self.lease:
            return LEASE
        if session is self.inform:
            return INFORM
        return RELEASE


@dataclass(frozen=True)
class LateRelease:
    """A phone's RELEASE after its boot was handed out (a boot that gives its lease back
    when it ends): shown as part of that boot, with nothing to replay."""

    session: DhcpSession
    boot: PhoneBoot


def _is_release(session: DhcpSession) -> bool:
    types = session.types
    return bool(types) and types <= {DHCPRELEASE, DHCPDECLINE}


class BootGrouper:
    """Sessions in, boots (and sessions that belong to none) out, in the order they end."""

    def __init__(
        self, *, idle: float = 300.0, phone_oui: str = "", any_lease: bool = False
    ) -> None:
        """`phone_oui` (the profile's MAC prefix) and `any_lease` (the user gave a cache: the
        capture is of a phone) let a lone lease count as a phone's boot whatever its class."""
        self.idle = idle
        self.phone_oui = phone_oui.lower()
        self.any_lease = any_lease
        self._open: dict[str, PhoneBoot] = {}
        self._next_sweep: float | None = None
        self._ended: dict[str, PhoneBoot] = {}
        """The last boot handed out of each phone, for a RELEASE that comes after it."""

    def add(self, session: DhcpSession) -> Iterator[PhoneBoot | DhcpSession | LateRelease]:
        yield from self._stale(session.first_time)
        mac = session.client_mac
        boot = self._open.get(mac)
        if session.kind == KIND_DORA:
            if boot is not None and not _leases_next(boot):
                # The phone booted again: a new VLAN query, or a second lease.
                yield from self._handed_out(self._open.pop(mac))
                boot = None
            if boot is None:
                boot = PhoneBoot(mac)
                if len(self._open) >= MAX_OPEN_BOOTS:
                    yield from self._handed_out(self._open.pop(next(iter(self._open))))
                self._open[mac] = boot
                if _tagged_query(session) is False:
                    boot.vlan_query = session
                    return
            boot.lease = session
            return
        if boot is not None and _is_release(session):
            boot.releases.append(session)
            return
        if boot is not None and session.kind == KIND_INFORM and session.inform is not None:
            boot.inform = session
            self._end(self._open.pop(mac))
            yield boot
            return
        ended = self._ended.get(mac)
        if boot is None and ended is not None and _is_release(session):
            ended.releases.append(session)
            yield LateRelease(session, ended)
            return
        yield session

    def _end(self, boot: PhoneBoot) -> None:
        self._ended.pop(boot.client_mac, None)
        if len(self._ended) >= MAX_OPEN_BOOTS:
            del self._ended[next(iter(self._ended))]
        self._ended[boot.client_mac] = boot

    def finish(self) -> Iterator[PhoneBoot | DhcpSession]:
        for boot in list(self._open.values()):
            yield from self._handed_out(boot)
        self._open.clear()

    def _handed_out(self, boot: PhoneBoot) -> Iterator[PhoneBoot | DhcpSession]:
        """A boot without its INFORM: still a boot when the lease is a phone's (a phone whose
        cache let it skip discovery); a lone lease of anything else (a laptop's, a
        printer's) is only a session."""
        lease = boot.lease
        if boot.vlan_query is None and lease is not None and not self._phone_lease(lease):
            yield from boot.sessions
            return
        self._end(boot)
        yield boot

    def _phone_lease(self, lease: DhcpSession) -> bool:
        if self.any_lease or lease.vendor_class in PHONE_CLASSES:
            return True
        return bool(self.phone_oui) and lease.client_mac.lower().startswith(self.phone_oui)

    def _stale(self, now: float) -> Iterator[PhoneBoot | DhcpSession]:
        # Swept a few times per idle period, not at every session: a building's phones
        # booting at once hold thousands of boots open.
        if self._next_sweep is not None and now < self._next_sweep:
            return
        self._next_sweep = now + self.idle / 4
        for mac, boot in list(self._open.items()):
            if now - boot.last_time > self.idle:
                yield from self._handed_out(self._open.pop(mac))


def _leases_next(boot: PhoneBoot) -> bool:
    """Whether the phone's next DORA is its lease: after a VLAN query that moved it to a
    VLAN, or that nobody answered (the phone then asks for its lease untagged). A query
    answered without a usable VLAN was the lease itself (`Stage.LEASE` keeps it)."""
    query = boot.vlan_query
    if boot.lease is not None or query is None:
        return False
    acks = query.acks
    if not acks:
        return True
    option = acks[-1].message.options.get(43)
    if option is None:
        return False
    try:
        return decode_cpe_ocphone_option(option).usable
    except PhonesimError:
        return False


def _tagged_query(session: DhcpSession) -> bool | None:
    """None: not a VLAN query (another vendor class); False: a VLAN query as the phone
    sends it, untagged; True: the VLAN query's class on a tagged VLAN, which is the lease
    a phone takes on its voice VLAN (the profile asks as `CPE-OCPHONE` there too)."""
    if not session.is_vlan_query:
        return None
    return bool(session.vlans)


__all__ = ["INFORM", "LEASE", "RELEASE", "VLAN_QUERY", "BootGrouper", "LateRelease", "PhoneBoot"]
