"""What the phone would have done with a captured session: the real core on a virtual clock.

The phone core (`phonesim.core.phone.Phone`) is started as it is for a live
boot, with `final_stage="discovery"`; its INFORM goes nowhere, and the
captured answers are handed to it at the times they arrived in the capture
(measured from the captured INFORM), with the transaction id rewritten to the
phone's own. Its DNS questions are answered from the DNS packets of the same
capture; a question the capture holds no answer for is left unanswered, so the
phone gives up on it when its own DNS timeout passes, and the timeline says so. Every decision shown
comes from the core's own trace events.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from phonesim.codec.dhcp_rewrite import rewrite_client
from phonesim.core import trace_schema as ts
from phonesim.core.commands import (
    Abandon,
    Command,
    PersistCache,
    ResolveAddress,
    ResolveSrv,
    SendDhcp,
    StopDhcp,
    Trace,
)
from phonesim.core.discovery_cache import CachePolicy
from phonesim.core.events import AddressResolved, DhcpReceived, Event, SrvResolved
from phonesim.core.identity import NetworkSettings, PhoneIdentity, Pin
from phonesim.core.outcome import Failure, Outcome, Success
from phonesim.core.phone_factory import make_phone
from phonesim.core.profile import DeviceProfile
from phonesim.core.stage import Stage
from phonesim.diagnosis import Diagnosis, diagnose
from phonesim.diagnosis import discovery_sources as sources
from phonesim.diagnosis.declared_fields import DeclaredFields, fields_of, reads
from phonesim.diagnosis.rules.dns import FINDING_IDS as DNS_FINDINGS
from phonesim.errors import PhonesimError
from phonesim.replay.capture_gaps import CaptureGapJudge, without_device_log
from phonesim.replay.capture_skim import CaptureCoverage
from phonesim.replay.dns_answers import TYPE_A, TYPE_SRV, DnsAnswerBook
from phonesim.replay.replay_notes import DNS_NOT_CAPTURED, REPLAY_STAGE
from phonesim.replay.sessions import KIND_INFORM, DhcpSession, SessionMessage

PLACEHOLDER_DOMAIN = "unknown.invalid"
"""RFC 6761 reserves `.invalid`: lookups under it can never be mistaken for real answers."""
MAX_STEPS = 10_000

WON = "won"
IGNORED = "ignored"
WITHOUT_FQDN = "without_fqdn"
USED_WITHOUT_FQDN = "used_without_fqdn"
AFTER_DECISION = "after_decision"
NOT_OURS = "not_ours"
MALFORMED = "malformed"
NOT_LISTENING = "not_listening"


@dataclass(frozen=True)
class AnswerVerdict:
    """One captured answer and what the phone made of it."""

    t: float
    """Seconds after the phone's power-on (its first INFORM) that the answer was fed."""
    server: str
    source: str
    verdict: str
    why: str
    record: int
    offset: int

    def to_json(self) -> dict[str, Any]:
        return {
            "t": round(self.t, 6),
            "server": self.server,
            "source": self.source,
            "verdict": self.verdict,
            "why": self.why,
            "record": self.record,
            "offset": self.offset,
        }


@dataclass
class SessionReplay:
    session: int
    profile: str
    domain: str
    domain_source: str
    address: str
    phone_xid: int = 0
    traces: list[Trace] = field(default_factory=list)
    outcome: Outcome | None = None
    answers: list[AnswerVerdict] = field(default_factory=list)
    gaps: CaptureGapJudge | None = None
    """Whose gap an unanswered session is (the capture's or the site's); None if not known."""

    @property
    def decision(self) -> DeclaredFields | None:
        """The fields of the core's `discovery.decided` event, if it got that far."""
        for trace in self.traces:
            if ts.DISCOVERY_DECIDED.matches(trace):
                return fields_of(ts.DISCOVERY_DECIDED, trace)
        return None

    @property
    def dns_fallback(self) -> bool:
        """Whether the phone had to take its registrar or web services from DNS."""
        decision = self.decision
        if decision is None:
            return any(ts.DISCOVERY_WAITING_FOR_DNS.matches(t) for t in self.traces)
        return _from_dns(decision)

    @property
    def winner(self) -> AnswerVerdict | None:
        return next((a for a in self.answers if a.verdict == WON), None)

    @property
    def decided(self) -> bool:
        return isinstance(self.outcome, Success)

    def diagnosis(self) -> Diagnosis:
        """The diagnosis layer's findings on this replay's trace, as for a live boot.

        A DNS name the capture holds no answer for was answered "timeout" only
        to let the phone go on; findings about such a name would blame the
        customer's DNS for a gap in the capture, so they are left out. A DHCP
        answer the capture lacks is judged by `capture_gaps`.
        """
        uncaptured = self.dns_not_captured
        found = diagnose(t for t in self.traces if t.stage != REPLAY_STAGE)
        kept = [
            f
            for f in found.findings
            if not (f.id in DNS_FINDINGS and f.evidence.get("name") in uncaptured)
        ]
        if self.gaps is None:
            return Diagnosis(tuple(without_device_log(f) for f in kept))
        explains = isinstance(self.outcome, Failure)
        return Diagnosis(tuple(self.gaps.rewrite(kept, explains=explains)))

    @property
    def dns_not_captured(self) -> list[str]:
        """Names the phone asked that the capture holds no DNS answer for, in asking order."""
        names = (
            fields_of(DNS_NOT_CAPTURED, t).get("name")
            for t in self.traces
            if DNS_NOT_CAPTURED.matches(t)
        )
        return list(dict.fromkeys(str(name) for name in names))


@reads(ts.DISCOVERY_DECIDED)
def _from_dns(decision: DeclaredFields) -> bool:
    return decision.get("registrar_source") == sources.REGISTRARS_FROM_DNS or sources.web_from_dns(
        decision.get("web_source")
    )


class SessionReplayer:
    """Replays INFORM sessions through the phone core with one device profile."""

    def __init__(
        self,
        profile: DeviceProfile,
        *,
        dns: DnsAnswerBook | None = None,
        domain: str | None = None,
        lease_domains: Mapping[str, str] | None = None,
        seed: int = 0,
    ) -> None:
        self.profile = profile
        self.dns = dns if dns is not None else DnsAnswerBook()
        self.domain = domain
        self.lease_domains = lease_domains if lease_domains is not None else {}
        self.seed = seed

    @staticmethod
    def replayable(session: DhcpSession) -> str | None:
        """None when the session can be replayed, else why not (in words)."""
        if session.kind != KIND_INFORM:
            return (
                "a lease exchange (DORA), not a DHCPINFORM: the phone's discovery reads "
                "the answers to its INFORM"
            )
        return None

    def replay(
        self, session: DhcpSession, coverage: CaptureCoverage | None = None
    ) -> SessionReplay:
        """Replay one session; `coverage` (what had been read of the capture when it came out)
        lets the findings tell a gap in the capture from a site that did not answer."""
        why_not = self.replayable(session)
        if why_not is not None:
            raise PhonesimError(f"session {session.number}: {why_not}")
        replay = _Run(self, session).run()
        if coverage is not None:
            device = self.profile.device
            replay.gaps = CaptureGapJudge(
                session,
                coverage,
                # The profile's schedule, not the replayed phone's jittered one: the
                # finding judges the capture, not this run.
                phone_waits=sum(self.profile.dhcp.retransmit_after),
                device=f"the {device.vendor} {device.model}",
            )
        return replay

    def domain_for(self, session: DhcpSession) -> tuple[str, str]:
        """The DNS domain the phone would have had, and where it was found."""
        if self.domain:
            return self.domain, "given with --domain"
        if session.domain:
            return session.domain, "option 15 of this session's answers"
        lease = self.lease_domains.get(session.client_mac)
        if lease:
            return lease, "option 15 of the client's lease in the capture"
        asked = self.dns.domains_asked(self.profile.dns.registrar_srv)
        if asked:
            return asked[0], "the registrar SRV lookups in the capture"
        return PLACEHOLDER_DOMAIN, "not in the capture (no option 15, no SRV lookup): give --domain"


class _Run:
    """One replay: the phone, the virtual clock and the queue of what the world will say."""

    def __init__(self, replayer: SessionReplayer, session: DhcpSession) -> None:
        self.replayer = replayer
        self.session = session
        profile = replayer.profile
        domain, source = replayer.domain_for(session)
        inform = session.inform
        self.base = inform.time if inform is not None else session.first_time
        self.result = SessionReplay(
            session=session.number,
            profile=profile.name,
            domain=domain,
            domain_source=source,
            address=session.client_address or "0.0.0.0",
        )
        self.phone = make_phone(
            profile,
            PhoneIdentity(
                mac=session.client_mac,
                sign_in_as="0",
                pin=Pin(""),
            ),
            NetworkSettings(address=self.result.address, dns_domain=domain),
            rng=random.Random(replayer.seed),
            wall_clock=self.base,
            cache=None,
            cache_policy=CachePolicy.factory_fresh("a replay stores nothing", announce=False),
            final_stage=Stage.DISCOVERY,
        )
        self._queue: list[tuple[float, int, Event, SessionMessage | None]] = []
        self._order = itertools.count()
        self._answers_scheduled = False

    def run(self) -> SessionReplay:
        now = 0.0
        if self.session.inform is None:
            self._note(
                now,
                "inform_not_captured",
                "warning",
                why="only the answers are in the capture: they are timed from the first one",
            )
        self._take(self.phone.start(now), now, None)
        for _step in range(MAX_STEPS):
            if self.phone.outcome is not None:
                break
            deadline = self.phone.next_deadline()
            due = self._queue[0][0] if self._queue else None
            if deadline is None and due is None:
                self._note(
                    now, "stalled", "warning", why="the phone waits and nothing is left to feed it"
                )
                break
            if deadline is not None and (due is None or deadline <= due):
                now = deadline
                self._take(self.phone.handle_timer(now), now, None)
                continue
            now, _, event, message = heapq.heappop(self._queue)
            self._take(self.phone.handle(event, now), now, message)
        self.result.outcome = self.phone.outcome
        self._late_answers()
        self._settle_verdicts()
        return self.result

    # ------------------------------------------------------------ commands

    def _take(self, commands: list[Command], now: float, fed: SessionMessage | None) -> None:
        traces = [c for c in commands if isinstance(c, Trace)]
        self.result.traces.extend(traces)
        if fed is not None:
            self._judge(fed, now, traces)
        for command in commands:
            if isinstance(command, SendDhcp):
                self.result.phone_xid = command.xid
                if not self._answers_scheduled:
                    self._schedule_answers(command.xid)
            elif isinstance(command, ResolveSrv):
                self._answer_dns(command.name, TYPE_SRV, command.timeout, now)
            elif isinstance(command, ResolveAddress):
                self._answer_dns(command.host, TYPE_A, command.timeout, now)
            elif isinstance(command, Trace | PersistCache | StopDhcp | Abandon):
                continue
            else:
                self._note(
                    now,
                    "not_answered",
                    "warning",
                    command=type(command).__name__,
                    why="a replay answers only DHCP and DNS",
                )

    def _schedule_answers(self, xid: int) -> None:
        self._answers_scheduled = True
        for answer in self.session.answers:
            at = max(0.0, round(answer.time - self.base, 6))
            try:
                payload = rewrite_client(answer.payload, xid=xid)
            except PhonesimError:
                payload = answer.payload
            event = DhcpReceived(payload, answer.source)
            heapq.heappush(self._queue, (at, next(self._order), event, answer))

    def _answer_dns(self, name: str, rdtype: str, timeout: float, now: float) -> None:
        captured = self.replayer.dns.lookup(name, rdtype, near=self.base)
        event: Event
        if captured is None:
            # Nothing is fed: the phone gives up on the question when its time is up.
            self._note(
                now,
                "dns_not_captured",
                "warning",
                name=name,
                type=rdtype,
                why=f"no answer in the capture: treated as unanswered (timeout after {timeout:g} s)",
            )
            return
        latency = captured.latency or 0.0
        self._note(
            now,
            "dns_from_capture",
            name=name,
            type=rdtype,
            server=captured.server,
            captured_at=round(captured.time - self.base, 6),
            latency=None if captured.latency is None else round(captured.latency, 6),
        )
        if rdtype == TYPE_SRV:
            event = SrvResolved(name, captured.records, captured.error)
        else:
            event = AddressResolved(name, captured.addresses, captured.error)
        heapq.heappush(self._queue, (now + latency, next(self._order), event, None))

    def _note(self, now: float, event: str, level: str = "info", **fields: Any) -> None:
        self.result.traces.append(Trace(round(now, 6), REPLAY_STAGE, event, fields, level))

    # ------------------------------------------------------------ verdicts

    def _judge(self, message: SessionMessage, now: float, traces: list[Trace]) -> None:
        verdict, why = NOT_LISTENING, "the phone was no longer listening for DHCP answers"
        for trace in traces:
            judged = _verdict(trace)
            if judged is not None:
                verdict, why = judged
        self.result.answers.append(
            AnswerVerdict(
                now, message.server, message.source, verdict, why, message.record, message.offset
            )
        )

    def _late_answers(self) -> None:
        """Answers due after the phone decided: it had stopped listening, as it would have."""
        outcome = self.phone.outcome
        when = f"{outcome.t:.3f} s" if outcome is not None else "the end of the replay"
        for at, _, _event, message in sorted(self._queue, key=lambda item: (item[0], item[1])):
            if message is None:
                continue
            self.result.answers.append(
                AnswerVerdict(
                    at,
                    message.server,
                    message.source,
                    AFTER_DECISION,
                    f"arrived after the phone had decided (at {when})",
                    message.record,
                    message.offset,
                )
            )
        self._queue.clear()

    def _settle_verdicts(self) -> None:
        """Say what became of answers whose fate was only known later (no FQDN, too late)."""
        winner = self.result.winner
        decision = self.result.decision
        settled = []
        for answer in self.result.answers:
            if answer.verdict == WITHOUT_FQDN and winner is None and decision is not None:
                answer = _with(answer, USED_WITHOUT_FQDN, _taken_without_fqdn(decision))
            elif answer.verdict == WITHOUT_FQDN and winner is not None:
                answer = _with(
                    answer,
                    IGNORED,
                    f"no FQDN (option 120); the answer from {winner.server} with an FQDN won",
                )
            elif answer.verdict == AFTER_DECISION and winner is not None:
                answer = _with(
                    answer,
                    AFTER_DECISION,
                    f"{answer.why}; the answer from {winner.server} had already won "
                    "(first DHCP answer carrying an FQDN)",
                )
            settled.append(answer)
        self.result.answers = sorted(settled, key=lambda a: (a.t, a.record))


@reads(ts.DISCOVERY_DECIDED)
def _taken_without_fqdn(decision: DeclaredFields) -> str:
    return (
        "no answer carried an FQDN, so the phone took this first one "
        f"({decision.get('web_source')}; registrars from {decision.get('registrar_source')})"
    )


def _verdict(trace: Trace) -> tuple[str, str] | None:
    """What the phone made of an answer, as one of its DHCP trace events says, if it is one."""
    if ts.DHCP_ANSWER_WON.matches(trace):
        return WON, str(fields_of(ts.DHCP_ANSWER_WON, trace).get("why"))
    if ts.DHCP_ANSWER_IGNORED.matches(trace):
        return IGNORED, str(fields_of(ts.DHCP_ANSWER_IGNORED, trace).get("why"))
    if ts.DHCP_ANSWER_WITHOUT_FQDN.matches(trace):
        note = fields_of(ts.DHCP_ANSWER_WITHOUT_FQDN, trace).get("note")
        return WITHOUT_FQDN, "no FQDN (option 120): " + str(note)
    if ts.DHCP_ANSWER_NOT_OURS.matches(trace):
        xid = fields_of(ts.DHCP_ANSWER_NOT_OURS, trace).get("xid")
        return NOT_OURS, f"transaction id {xid} is not the phone's"
    if ts.DHCP_ANSWER_MALFORMED.matches(trace):
        return MALFORMED, str(fields_of(ts.DHCP_ANSWER_MALFORMED, trace).get("error"))
    return None


def _with(answer: AnswerVerdict, verdict: str, why: str) -> AnswerVerdict:
    return AnswerVerdict(
        answer.t, answer.server, answer.source, verdict, why, answer.record, answer.offset
    )


def outcome_summary(outcome: Outcome | None) -> dict[str, Any]:
    if isinstance(outcome, Success):
        return {
            "result": "decided",
            "t": outcome.t,
            "web_url": outcome.web_url,
            "registrars": outcome.registrar.split(",") if outcome.registrar else [],
        }
    if isinstance(outcome, Failure):
        return {
            "result": "failed",
            "t": outcome.t,
            "stage": outcome.stage,
            "reason": outcome.reason,
            "message": outcome.message,
        }
    return {"result": "unfinished"}
