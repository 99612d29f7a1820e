"""The DHCPINFORM exchange: the INFORM, its retransmissions, and the answers it draws.

Seed rules: the first answer carrying an FQDN (option 120) wins and later ones
are ignored; an answer without one is kept while the phone waits a little
(`answer_window`) for a better one; any answer stops the retransmissions; an
answer with an FQDN is cached whatever else happens. The exchange *concludes*
when an answer wins, when the window after an answer without an FQDN closes,
or when the last retransmission goes unanswered. After that it keeps listening
until its window closes: later answers are recorded and ignored.

`InformExchange` is a part (of discovery, beside the DNS search); `DhcpAlone` is
the stage a boot asked to stop after DHCP runs instead of discovery.
"""

from __future__ import annotations

from typing import ClassVar

from phonesim.codec.dhcp_message import BOOTREPLY, DHCPACK, decode_dhcp_message
from phonesim.codec.inform_template import inform_template
from phonesim.core.commands import SendDhcp, StopDhcp
from phonesim.core.context import BootContext
from phonesim.core.discovery_cache import DiscoveryCache, RegistrarTarget
from phonesim.core.events import DhcpReceived, Event
from phonesim.core.stage import Stage
from phonesim.core.stages.base import Done, Failed, Step
from phonesim.core.stages.dhcp_answer import DhcpAnswer, read_answer
from phonesim.core.stages.lease_values import take_ack_domain
from phonesim.core.trace_schema import (
    DHCP_ANSWER,
    DHCP_ANSWER_IGNORED,
    DHCP_ANSWER_MALFORMED,
    DHCP_ANSWER_NOT_OURS,
    DHCP_ANSWER_WITHOUT_FQDN,
    DHCP_ANSWER_WON,
    DHCP_GAVE_UP,
    DHCP_INFORM_SENT,
    DHCP_OPTION_43_TRUNCATED_USED,
)
from phonesim.errors import PhonesimError


class InformExchange:
    __slots__ = (
        "_attempt",
        "_inform",
        "_listen_until",
        "_next_send",
        "_xid",
        "concluded",
        "ctx",
        "listens_for_dhcp",
        "winner",
        "without_fqdn",
    )

    def __init__(self, ctx: BootContext) -> None:
        self.ctx = ctx
        self._xid = 0
        self._inform = b""
        self._attempt = 0
        self._next_send: float | None = None
        self._listen_until: float | None = None
        self.listens_for_dhcp = False
        self.concluded = False
        self.winner: DhcpAnswer | None = None
        self.without_fqdn: DhcpAnswer | None = None

    @property
    def busy(self) -> bool:
        return self.listens_for_dhcp

    @property
    def chosen(self) -> DhcpAnswer | None:
        """The answer discovery reads: the winner, else the first one without an FQDN."""
        return self.winner or self.without_fqdn

    def start(self, now: float) -> None:
        ctx = self.ctx
        dhcp = ctx.profile.dhcp
        self._xid = ctx.rng.getrandbits(32)
        # Byte for byte what build_inform makes, without building it per phone.
        self._inform = inform_template(
            vendor_class=dhcp.vendor_class,
            parameter_request_list=dhcp.parameter_request_list,
            max_message_size=dhcp.max_message_size,
        ).for_phone(self._xid, ctx.identity.mac, ctx.network.address)
        self.listens_for_dhcp = True
        self._send_inform(now)

    def next_deadline(self) -> float | None:
        if not self.listens_for_dhcp:
            return None
        if self._next_send is None:
            return self._listen_until
        if self._listen_until is None:
            return self._next_send
        return min(self._next_send, self._listen_until)

    def tick(self, now: float) -> bool:
        """Retransmit, give up, or close the window; True when the exchange concludes now."""
        concludes = False
        if self._next_send is not None and now >= self._next_send:
            concludes = self._retransmit_or_give_up(now)
        if self.listens_for_dhcp and self._listen_until is not None and now >= self._listen_until:
            self.stop()
            concludes = concludes or not self.concluded
        if concludes:
            self.concluded = True
        return concludes

    def read(self, event: DhcpReceived, now: float) -> bool:
        """Read an answer; True when the exchange concludes now (the answer won)."""
        out = self.ctx.out
        try:
            message = decode_dhcp_message(event.payload)
        except PhonesimError as error:
            out.trace(DHCP_ANSWER_MALFORMED, server=event.source, error=str(error))
            return False
        if message.xid != self._xid or message.op != BOOTREPLY:
            out.trace(DHCP_ANSWER_NOT_OURS, server=event.source, xid=f"0x{message.xid:08x}")
            return False
        if message.message_type != DHCPACK:
            out.trace(
                DHCP_ANSWER_IGNORED,
                server=event.source,
                message_type=message.message_type,
                why="not a DHCPACK",
            )
            return False
        answer, fields, partial_url = read_answer(message, event.source, self.ctx.profile)
        out.trace(DHCP_ANSWER, **fields)
        take_ack_domain(self.ctx, message, answer.server)
        if partial_url is not None:
            out.trace(
                DHCP_OPTION_43_TRUNCATED_USED,
                server=answer.server,
                url=partial_url,
                note="option 43 ends inside the CertProv path; the phone uses what arrived",
            )
        self._next_send = None  # any answer stops retransmission
        window = self.ctx.profile.dhcp.answer_window
        if self.winner is not None:
            out.trace(
                DHCP_ANSWER_IGNORED,
                server=answer.server,
                why=f"the answer from {self.winner.server} with an FQDN already won",
            )
            return False
        if answer.has_fqdn:
            self.winner = answer
            out.trace(
                DHCP_ANSWER_WON,
                server=answer.server,
                registrars=list(answer.registrars),
                web_url=answer.url,
                why="first DHCP answer carrying an FQDN",
            )
            self._cache(answer, now)
            # Keep listening a little: later answers are recorded (and ignored).
            self._listen_until = now + window
            self.concluded = True
            return True
        if self.without_fqdn is None:
            self.without_fqdn = answer
        out.trace(
            DHCP_ANSWER_WITHOUT_FQDN,
            server=answer.server,
            note="waiting for an answer that carries an FQDN",
            window=window,
        )
        if self._listen_until is None:
            self._listen_until = now + window
        return False

    def stop(self) -> None:
        if not self.listens_for_dhcp:
            return
        self.listens_for_dhcp = False
        self._next_send = None
        self._listen_until = None
        self.ctx.out.send(StopDhcp())

    def _send_inform(self, now: float) -> None:
        ctx = self.ctx
        dhcp = ctx.profile.dhcp
        ctx.out.send(SendDhcp(self._inform, self._xid))
        wait = dhcp.retransmit_after[self._attempt]
        if dhcp.retransmit_jitter:
            wait += (ctx.rng.random() * 2 - 1) * dhcp.retransmit_jitter
        wait = max(wait, 0.1)
        self._next_send = now + wait
        ctx.out.trace(
            DHCP_INFORM_SENT,
            xid=f"0x{self._xid:08x}",
            attempt=self._attempt + 1,
            vendor_class=dhcp.vendor_class,
            requested=list(dhcp.parameter_request_list),
            next_wait=round(wait, 3),
        )

    def _retransmit_or_give_up(self, now: float) -> bool:
        if self._attempt + 1 < len(self.ctx.profile.dhcp.retransmit_after):
            self._attempt += 1
            self._send_inform(now)
            return False
        self._next_send = None
        self.ctx.out.trace(
            DHCP_GAVE_UP, attempts=self._attempt + 1, note="no DHCP answer; carrying on with DNS"
        )
        self.stop()
        return True

    def _cache(self, answer: DhcpAnswer, now: float) -> None:
        """DHCP answers carrying an FQDN are cached, whatever DNS says."""
        ctx = self.ctx
        ctx.keep(
            DiscoveryCache(
                source="dhcp",
                web_url=answer.url,
                registrars=tuple(
                    RegistrarTarget(host=name, port=ctx.profile.sip.port)
                    for name in answer.registrars
                ),
                stored_at=ctx.wall_time(now),
                dhcp_server=answer.server,
            )
        )


class DhcpAlone(InformExchange):
    """The INFORM exchange as a stage of its own: a boot asked to stop after DHCP (a DHCP
    storm) measures DHCP alone, and ends where the exchange concludes."""

    __slots__ = ()
    stage: ClassVar[Stage] = Stage.DHCP

    def handle(self, event: Event, now: float) -> Step:
        assert isinstance(event, DhcpReceived)
        return self._verdict() if self.read(event, now) else None

    def handle_timer(self, now: float) -> Step:
        return self._verdict() if self.tick(now) else None

    def _verdict(self) -> Step:
        if self.winner is not None:
            return Done(web_url=self.winner.url or "", registrar=",".join(self.winner.registrars))
        if self.without_fqdn is not None:
            return Failed(
                Stage.DHCP, "no_fqdn", "DHCP answered without option 120 (no registrar FQDN)"
            )
        return Failed(Stage.DHCP, "timeout", "no DHCP server answered the DHCPINFORM")


__all__ = ["DhcpAlone", "InformExchange"]
