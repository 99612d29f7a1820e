"""One DHCP lease taken the ordinary way (RFC 2131 §3.1): DISCOVER, OFFER, REQUEST, ACK.

A part, not a stage: the VLAN query (vendor class `CPE-OCPHONE`, untagged) and the lease
on the voice VLAN both run one. The client takes the first OFFER (§4.4.1 allows any
choice), keeps the transaction's xid for its REQUEST (§4.4.1), and retransmits on the
profile's backoff (§4.1: 4 s, 8 s, 16 s... randomised by ±1 s); a NAK sends it back to
DISCOVER (§4.4.1), as many times as it may retransmit.
"""

from __future__ import annotations

from dataclasses import dataclass

from phonesim.codec.dhcp_lease_messages import build_discover, build_release, build_request
from phonesim.codec.dhcp_message import (
    BOOTREPLY,
    DHCPACK,
    DHCPNAK,
    DHCPOFFER,
    DhcpMessage,
    decode_dhcp_message,
)
from phonesim.codec.lease_options import LeaseValues, read_lease
from phonesim.core.commands import SendDhcp, StopDhcp
from phonesim.core.context import BootContext
from phonesim.core.events import DhcpReceived, Event
from phonesim.core.stages.base import Step
from phonesim.core.trace_bringup import (
    LEASE_ANSWER_IGNORED,
    LEASE_DISCOVER_SENT,
    LEASE_GAVE_UP,
    LEASE_NAK,
    LEASE_OFFERED,
    LEASE_RELEASED,
    LEASE_REQUEST_SENT,
)
from phonesim.errors import PhonesimError


@dataclass(frozen=True, slots=True)
class Leased:
    values: LeaseValues
    message: DhcpMessage


@dataclass(frozen=True, slots=True)
class NoLease:
    refused: bool
    """Every try ended in a NAK (else: nobody answered)."""
    attempts: int


DoraEnd = Leased | NoLease


class Dora:
    __slots__ = (
        "_attempt",
        "_naks",
        "_next_send",
        "_offer",
        "_started",
        "_xid",
        "ctx",
        "listening",
        "purpose",
        "vendor_class",
    )

    def __init__(self, ctx: BootContext, purpose: str, vendor_class: str | None) -> None:
        self.ctx = ctx
        self.purpose = purpose
        """`vlan` (the VLAN query) or `lease`: the trace says which exchange it is."""
        self.vendor_class = vendor_class or None
        self._xid = 0
        self._attempt = 0
        self._naks = 0
        self._next_send: float | None = None
        self._offer: DhcpMessage | None = None
        self._started = 0.0
        self.listening = False

    def start(self, now: float) -> None:
        self._xid = self.ctx.rng.getrandbits(32)
        self._started = now
        self.listening = True
        self._discover(now)

    def next_deadline(self) -> float | None:
        return self._next_send if self.listening else None

    def tick(self, now: float) -> DoraEnd | None:
        """Retransmit, or give up when the backoff is spent."""
        if self._next_send is None or now < self._next_send:
            return None
        if self._attempt + 1 < len(self.ctx.profile.bringup.retransmit_after):
            self._attempt += 1
            if self._offer is None:
                self._discover(now)
            else:
                self._request(now)
            return None
        self.ctx.out.trace(
            LEASE_GAVE_UP,
            purpose=self.purpose,
            attempts=self._attempt + 1,
            vlan=self.ctx.bringup.vlan,
            note="no DHCP server answered"
            if self._offer is None
            else "the REQUEST went unanswered",
        )
        self.stop()
        return NoLease(refused=False, attempts=self._attempt + 1)

    def read(self, event: DhcpReceived, now: float) -> DoraEnd | None:
        out = self.ctx.out
        try:
            message = decode_dhcp_message(event.payload)
        except PhonesimError as error:
            return self._ignore(event.source, f"malformed: {error}")
        if message.op != BOOTREPLY or message.xid != self._xid:
            return self._ignore(event.source, f"not this transaction (xid 0x{message.xid:08x})")
        server = message.server_id or event.source
        kind = message.message_type
        if self._offer is None:
            if kind != DHCPOFFER:
                return self._ignore(server, f"message type {kind} while waiting for an OFFER")
            if message.server_id is None:
                return self._ignore(server, "an OFFER without a server id (option 54)")
            self._offer = message
            out.trace(LEASE_OFFERED, purpose=self.purpose, server=server, address=message.yiaddr)
            self._attempt = 0
            self._request(now)
            return None
        if message.server_id != self._offer.server_id:
            return self._ignore(server, "not the server whose OFFER the phone took")
        if kind == DHCPACK:
            self.stop()
            return Leased(read_lease(message), message)
        if kind == DHCPNAK:
            out.trace(LEASE_NAK, purpose=self.purpose, server=server)
            self._naks += 1
            self._offer = None
            if self._naks >= len(self.ctx.profile.bringup.retransmit_after):
                self.stop()
                return NoLease(refused=True, attempts=self._naks)
            self._attempt = 0
            self._discover(now)
            return None
        return self._ignore(server, f"message type {kind} while waiting for the ACK")

    def release(self, values: LeaseValues, why: str) -> None:
        """Give the address back (RFC 2131 §4.4.6); no answer is awaited."""
        if values.server_id is None:
            return
        ctx = self.ctx
        xid = ctx.rng.getrandbits(32)
        payload = build_release(
            xid=xid, mac=ctx.identity.mac, address=values.address, server_id=values.server_id
        )
        ctx.out.send(SendDhcp(payload, xid))
        ctx.out.send(StopDhcp())
        ctx.out.trace(
            LEASE_RELEASED,
            purpose=self.purpose,
            address=values.address,
            server=values.server_id,
            why=why,
        )

    def stop(self) -> None:
        if not self.listening:
            return
        self.listening = False
        self._next_send = None
        self.ctx.out.send(StopDhcp())

    # -- sending

    def _ignore(self, server: str, why: str) -> DoraEnd | None:
        """Not the answer awaited: traced, and the exchange goes on."""
        self.ctx.out.trace(LEASE_ANSWER_IGNORED, purpose=self.purpose, server=server, why=why)
        return None

    def _wait(self, now: float) -> float:
        bringup = self.ctx.profile.bringup
        wait = bringup.retransmit_after[self._attempt]
        if bringup.retransmit_jitter:
            wait += (self.ctx.rng.random() * 2 - 1) * bringup.retransmit_jitter
        wait = max(wait, 0.1)
        self._next_send = now + wait
        return round(wait, 3)

    def _discover(self, now: float) -> None:
        ctx = self.ctx
        requested = ctx.profile.bringup.parameter_request_list
        payload = build_discover(
            xid=self._xid,
            mac=ctx.identity.mac,
            vendor_class=self.vendor_class,
            parameter_request_list=requested,
            seconds=int(now - self._started),
        )
        ctx.out.send(SendDhcp(payload, self._xid))
        ctx.out.trace(
            LEASE_DISCOVER_SENT,
            purpose=self.purpose,
            xid=f"0x{self._xid:08x}",
            attempt=self._attempt + 1,
            vendor_class=self.vendor_class,
            requested=list(requested),
            vlan=ctx.bringup.vlan,
            next_wait=self._wait(now),
        )

    def _request(self, now: float) -> None:
        ctx = self.ctx
        offer = self._offer
        assert offer is not None and offer.server_id is not None
        payload = build_request(
            xid=self._xid,
            mac=ctx.identity.mac,
            requested_address=offer.yiaddr,
            server_id=offer.server_id,
            vendor_class=self.vendor_class,
            parameter_request_list=ctx.profile.bringup.parameter_request_list,
            seconds=int(now - self._started),
        )
        ctx.out.send(SendDhcp(payload, self._xid))
        ctx.out.trace(
            LEASE_REQUEST_SENT,
            purpose=self.purpose,
            xid=f"0x{self._xid:08x}",
            attempt=self._attempt + 1,
            address=offer.yiaddr,
            server=offer.server_id,
            next_wait=self._wait(now),
        )


class DoraStage:
    """What a bring-up stage built on one DORA does alike: events and timers go to the
    exchange, and the stage reads only how it ended (`_ended`)."""

    __slots__ = ("dora",)
    dora: Dora

    def handle(self, event: Event, now: float) -> Step:
        assert isinstance(event, DhcpReceived)
        return self._ended(self.dora.read(event, now))

    def next_deadline(self) -> float | None:
        return self.dora.next_deadline()

    def handle_timer(self, now: float) -> Step:
        return self._ended(self.dora.tick(now))

    @property
    def busy(self) -> bool:
        return False

    @property
    def listens_for_dhcp(self) -> bool:
        return self.dora.listening

    def stop(self) -> None:
        self.dora.stop()

    def _ended(self, end: DoraEnd | None) -> Step:
        raise NotImplementedError


__all__ = [
    "Dora",
    "DoraEnd",
    "DoraStage",
    "Leased",
    "NoLease",
]
