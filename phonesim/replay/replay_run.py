"""One replay: the phone core, the virtual clock, and the queue of what the capture says.

The phone is fed each captured exchange when it makes the request that exchange answers:
the VLAN query's answers when it sends its `CPE-OCPHONE` DISCOVER, the lease's when it
sends the DISCOVER of its own lease, the INFORM's when it sends its INFORM. Each answer
arrives as long after the phone's request as it did after the captured one, with the
transaction id rewritten to the phone's own. DNS questions are answered from the DNS
packets of the capture, or left to time out when it holds none.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Mapping
from typing import Any, Protocol

from phonesim.codec.dhcp_message import (
    DHCPDISCOVER,
    DHCPINFORM,
    DhcpMessage,
    decode_dhcp_message,
)
from phonesim.codec.dhcp_rewrite import rewrite_client
from phonesim.core import trace_bringup as tb
from phonesim.core import trace_schema as ts
from phonesim.core.commands import (
    Abandon,
    Command,
    JoinVlan,
    PersistCache,
    ResolveAddress,
    ResolveSrv,
    SendDhcp,
    StopDhcp,
    TakeLease,
    Trace,
)
from phonesim.core.discovery_cache import CachePolicy, DiscoveryCache
from phonesim.core.events import AddressResolved, DhcpReceived, Event, SrvResolved
from phonesim.core.identity import NetworkSettings, PhoneIdentity, Pin
from phonesim.core.phone_factory import make_phone
from phonesim.core.profile import DeviceProfile
from phonesim.core.stage import Stage
from phonesim.diagnosis.declared_fields import DeclaredFields, fields_of, reads
from phonesim.errors import PhonesimError
from phonesim.replay.dns_answers import TYPE_A, TYPE_SRV, DnsAnswerBook
from phonesim.replay.phone_boots import INFORM, LEASE, VLAN_QUERY
from phonesim.replay.replay_notes import REPLAY_STAGE
from phonesim.replay.replay_result import (
    AFTER_DECISION,
    IGNORED,
    NOT_LISTENING,
    USED_WITHOUT_FQDN,
    WITHOUT_FQDN,
    AnswerVerdict,
    SessionReplay,
    verdict_of,
    with_verdict,
)
from phonesim.replay.sessions import DhcpSession, SessionMessage


class ReplaySettings(Protocol):
    """What a run reads of the replayer that starts it (a `SessionReplayer`)."""

    profile: DeviceProfile
    seed: int
    dns: DnsAnswerBook


MAX_STEPS = 10_000
NO_CACHE = CachePolicy.factory_fresh("a replay stores nothing", announce=False)
CACHE_READ_ONLY = CachePolicy(read=True, write=False, why="a replay stores nothing")
"""The cache given with --cache is read as the phone's flash, and never written back."""
_PURPOSE_PART = {"vlan": VLAN_QUERY, "lease": LEASE}


class ReplayRun:
    def __init__(
        self,
        replayer: ReplaySettings,
        result: SessionReplay,
        parts: Mapping[str, DhcpSession],
        *,
        mac: str,
        settings: NetworkSettings,
        base: float,
        bringup: frozenset[Stage] = frozenset(),
        final_stage: Stage = Stage.DISCOVERY,
        cache: DiscoveryCache | None = None,
    ) -> None:
        """`parts`: the captured exchange for each request the phone may make; `base`: the
        capture's time at the replay's time 0."""
        self.replayer = replayer
        self.result = result
        self.parts = parts
        self.base = base
        inform = parts.get(INFORM)
        captured_inform = inform.inform if inform is not None else None
        self.dns_near = captured_inform.time if captured_inform is not None else base
        self.phone = make_phone(
            replayer.profile,
            PhoneIdentity(mac=mac, sign_in_as="0", pin=Pin("")),
            settings,
            rng=random.Random(replayer.seed),
            wall_clock=base,
            cache=cache,
            cache_policy=NO_CACHE if cache is None else CACHE_READ_ONLY,
            final_stage=final_stage,
            bringup=bringup,
        )
        self._queue: list[tuple[float, int, Event, tuple[SessionMessage, str] | None]] = []
        self._order = itertools.count()
        self._fed: set[str] = set()

    def run(self) -> SessionReplay:
        now = 0.0
        self._take(self.phone.start(now), now, None)
        for _step in range(MAX_STEPS):
            if self.phone.outcome is not None:
                break
            deadline = self.phone.next_deadline()
            due = self._queue[0][0] if self._queue else None
            if deadline is None and due is None:
                self.note(
                    now, "stalled", "warning", why="the phone waits and nothing is left to feed it"
                )
                break
            if deadline is not None and (due is None or deadline <= due):
                now = deadline
                self._take(self.phone.handle_timer(now), now, None)
                continue
            now, _, event, fed = heapq.heappop(self._queue)
            self._take(self.phone.handle(event, now), now, fed)
        self.result.outcome = self.phone.outcome
        self._late_answers()
        self._settle_verdicts()
        return self.result

    def note(self, now: float, event: str, level: str = "info", **fields: Any) -> None:
        self.result.traces.append(Trace(round(now, 6), REPLAY_STAGE, event, fields, level))

    # ------------------------------------------------------------ commands

    def _take(
        self, commands: list[Command], now: float, fed: tuple[SessionMessage, str] | None
    ) -> None:
        traces = [c for c in commands if isinstance(c, Trace)]
        self.result.traces.extend(traces)
        if fed is not None:
            self._judge(fed, now, traces)
        for command in commands:
            if isinstance(command, SendDhcp):
                part = _part_sent(command, traces)
                if part == INFORM:
                    self.result.phone_xid = command.xid
                if part is not None and part not in self._fed:
                    self._fed.add(part)
                    self._schedule_answers(part, command.xid, now)
            elif isinstance(command, ResolveSrv):
                self._answer_dns(command.name, TYPE_SRV, command.timeout, now)
            elif isinstance(command, ResolveAddress):
                self._answer_dns(command.host, TYPE_A, command.timeout, now)
            elif isinstance(command, Trace | PersistCache | StopDhcp | Abandon):
                continue
            elif isinstance(command, JoinVlan | TakeLease):
                continue  # the phone's own state: nothing to answer
            else:
                self.note(
                    now,
                    "not_answered",
                    "warning",
                    command=type(command).__name__,
                    why="a replay answers only DHCP and DNS",
                )

    def _schedule_answers(self, part: str, xid: int, now: float) -> None:
        session = self.parts.get(part)
        if session is None:
            if part != INFORM or self.result.boot is not None:
                self.note(
                    now,
                    "part_not_captured",
                    "warning",
                    part=part,
                    why=f"the capture holds no {_WORDS[part]} from this phone: nothing answers",
                )
            return
        start = _request_time(session)
        for answer in session.answers:
            at = now + max(0.0, round(answer.time - start, 6))
            try:
                payload = rewrite_client(answer.payload, xid=xid)
            except PhonesimError:
                payload = answer.payload
            event = DhcpReceived(payload, answer.source)
            heapq.heappush(self._queue, (at, next(self._order), event, (answer, part)))

    def _answer_dns(self, name: str, rdtype: str, timeout: float, now: float) -> None:
        captured = self.replayer.dns.lookup(name, rdtype, near=self.dns_near)
        event: Event
        if captured is None:
            # Nothing is fed: the phone gives up on the question when its time is up.
            self.note(
                now,
                "dns_not_captured",
                "warning",
                name=name,
                type=rdtype,
                why=f"no answer in the capture: treated as unanswered (timeout after {timeout:g} s)",
            )
            return
        latency = captured.latency or 0.0
        self.note(
            now,
            "dns_from_capture",
            name=name,
            type=rdtype,
            server=captured.server,
            captured_at=round(captured.time - self.dns_near, 6),
            latency=None if captured.latency is None else round(captured.latency, 6),
        )
        if rdtype == TYPE_SRV:
            event = SrvResolved(name, captured.records, captured.error)
        else:
            event = AddressResolved(name, captured.addresses, captured.error)
        heapq.heappush(self._queue, (now + latency, next(self._order), event, None))

    # ------------------------------------------------------------ verdicts

    def _part_label(self, part: str) -> str:
        """Which exchange an answer belongs to, said only when the replay is a boot."""
        return part if self.result.boot is not None else ""

    def _answer(self, at: float, fed: tuple[SessionMessage, str], verdict: str, why: str) -> None:
        message, part = fed
        self.result.answers.append(
            AnswerVerdict(
                at,
                message.server,
                message.source,
                verdict,
                why,
                message.record,
                message.offset,
                self._part_label(part),
            )
        )

    def _judge(self, fed: tuple[SessionMessage, str], now: float, traces: list[Trace]) -> None:
        verdict, why = NOT_LISTENING, "the phone was no longer listening for DHCP answers"
        for trace in traces:
            judged = verdict_of(trace)
            if judged is not None:
                verdict, why = judged
        self._answer(now, fed, verdict, why)

    def _late_answers(self) -> None:
        """Answers due after the phone decided: it had stopped listening, as it would have."""
        outcome = self.phone.outcome
        when = f"{outcome.t:.3f} s" if outcome is not None else "the end of the replay"
        for at, _, _event, fed in sorted(self._queue, key=lambda item: (item[0], item[1])):
            if fed is None:
                continue
            self._answer(
                at, fed, AFTER_DECISION, f"arrived after the phone had decided (at {when})"
            )
        self._queue.clear()

    def _settle_verdicts(self) -> None:
        """Say what became of answers whose fate was only known later (no FQDN, too late)."""
        winner = self.result.winner
        decision = self.result.decision
        settled = []
        for answer in self.result.answers:
            if answer.verdict == WITHOUT_FQDN and winner is None and decision is not None:
                answer = with_verdict(answer, USED_WITHOUT_FQDN, _taken_without_fqdn(decision))
            elif answer.verdict == WITHOUT_FQDN and winner is not None:
                answer = with_verdict(
                    answer,
                    IGNORED,
                    f"no FQDN (option 120); the answer from {winner.server} with an FQDN won",
                )
            elif (
                answer.verdict == AFTER_DECISION
                and winner is not None
                and answer.part
                in (
                    "",
                    INFORM,
                )
            ):
                answer = with_verdict(
                    answer,
                    AFTER_DECISION,
                    f"{answer.why}; the answer from {winner.server} had already won "
                    "(first DHCP answer carrying an FQDN)",
                )
            settled.append(answer)
        self.result.answers = sorted(settled, key=lambda a: (a.t, a.record))


_WORDS = {VLAN_QUERY: "answer to the VLAN query", LEASE: "lease exchange", INFORM: "DHCPINFORM"}


def _request_time(session: DhcpSession) -> float:
    """When the captured phone first asked in this exchange (its INFORM or first DISCOVER);
    a capture of the answers alone is timed from the first of them."""
    inform = session.inform
    if inform is not None:
        return inform.time
    requests = session.requests
    return requests[0].time if requests else session.first_time


def _part_sent(command: SendDhcp, traces: list[Trace]) -> str | None:
    """Which captured exchange answers what the phone just sent: its INFORM, or the first
    DISCOVER of its VLAN query or its lease (the trace beside it says which)."""
    try:
        message: DhcpMessage = decode_dhcp_message(command.payload)
    except PhonesimError:
        return None
    if message.message_type == DHCPINFORM:
        return INFORM
    if message.message_type != DHCPDISCOVER:
        return None
    for trace in traces:
        if tb.LEASE_DISCOVER_SENT.matches(trace):
            purpose = fields_of(tb.LEASE_DISCOVER_SENT, trace).get("purpose")
            return _PURPOSE_PART.get(str(purpose))
    return None


@reads(ts.DISCOVERY_DECIDED)
def _taken_without_fqdn(decision: DeclaredFields) -> str:
    return (
        "no answer carried an FQDN, so the phone took this first one "
        f"({decision.get('web_source')}; registrars from {decision.get('registrar_source')})"
    )


__all__ = ["MAX_STEPS", "ReplayRun", "ReplaySettings"]
