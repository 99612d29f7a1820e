"""What a replay found: each captured answer's verdict, the phone's trace and its findings.

Kept apart from the replayer (`session_replayer`) so the renderers and the JSON read the
result without the machinery that made it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from phonesim.core import trace_bringup as tb
from phonesim.core import trace_schema as ts
from phonesim.core.commands import Trace
from phonesim.core.outcome import Failure, Outcome, Success
from phonesim.diagnosis import Diagnosis, diagnose
from phonesim.diagnosis import discovery_sources as sources
from phonesim.diagnosis.declared_fields import DeclaredFields, fields_of, reads
from phonesim.diagnosis.rules.dns import FINDING_IDS as DNS_FINDINGS
from phonesim.replay.capture_gaps import CaptureGapJudge, without_device_log
from phonesim.replay.phone_boots import LEASE, PhoneBoot
from phonesim.replay.replay_notes import DNS_NOT_CAPTURED, PART_NOT_CAPTURED, REPLAY_STAGE

PLACEHOLDER_DOMAIN = "unknown.invalid"
"""RFC 6761 reserves `.invalid`: lookups under it can never be mistaken for real answers."""

UNCAPTURED_FINDINGS = {LEASE: "lease.no_answer"}
"""The finding that would blame the site for a boot's exchange the capture lacks."""

WON = "won"
IGNORED = "ignored"
WITHOUT_FQDN = "without_fqdn"
USED_WITHOUT_FQDN = "used_without_fqdn"
AFTER_DECISION = "after_decision"
NOT_OURS = "not_ours"
MALFORMED = "malformed"
NOT_LISTENING = "not_listening"
TAKEN = "taken"
ACKED = "acked"
REFUSED = "refused"


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
    part: str = ""
    """In a replayed boot, which exchange the answer belongs to (`phone_boots` parts)."""

    def to_json(self) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "t": round(self.t, 6),
            "server": self.server,
            "source": self.source,
            "verdict": self.verdict,
            "why": self.why,
            "record": self.record,
            "offset": self.offset,
        }
        if self.part:
            shown["part"] = self.part
        return shown


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
    boot: PhoneBoot | None = None
    """The sessions replayed as one boot (None: one session alone)."""
    cache_file: str | None = None
    """The discovery cache the phone started with (`replay --cache`)."""

    @property
    def sessions(self) -> list[int]:
        if self.boot is None:
            return [self.session]
        return [s.number for s in self.boot.sessions]

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
        customer's DNS for a gap in the capture, so they are left out, as are
        findings about a boot's exchange the capture does not hold (a lease on a
        VLAN the capture did not see is no site without a lease). A DHCP answer
        the capture lacks is judged by `capture_gaps`.
        """
        uncaptured = self.dns_not_captured
        missing = {
            UNCAPTURED_FINDINGS[part]
            for part in self.parts_not_captured
            if part in UNCAPTURED_FINDINGS
        }
        found = diagnose(t for t in self.traces if t.stage != REPLAY_STAGE)
        kept = [
            f
            for f in found.findings
            if not (f.id in DNS_FINDINGS and f.evidence.get("name") in uncaptured)
            and f.id not in missing
        ]
        if self.gaps is None:
            return Diagnosis(tuple(without_device_log(f) for f in kept))
        explains = isinstance(self.outcome, Failure)
        return Diagnosis(tuple(self.gaps.rewrite(kept, explains=explains)))

    @property
    def parts_not_captured(self) -> set[str]:
        """The boot's exchanges the phone asked for that the capture holds nothing of."""
        return {
            str(fields_of(PART_NOT_CAPTURED, t).get("part"))
            for t in self.traces
            if PART_NOT_CAPTURED.matches(t)
        }

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


def verdict_of(trace: Trace) -> tuple[str, str] | None:
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
    return _lease_verdict(trace)


def _lease_verdict(trace: Trace) -> tuple[str, str] | None:
    """What the phone made of an answer to its VLAN query or its lease DISCOVER/REQUEST."""
    if tb.LEASE_OFFERED.matches(trace):
        return TAKEN, "the first OFFER: the phone requests this address"
    if tb.LEASE_ANSWER_IGNORED.matches(trace):
        return IGNORED, str(fields_of(tb.LEASE_ANSWER_IGNORED, trace).get("why"))
    if tb.LEASE_NAK.matches(trace):
        return REFUSED, "DHCPNAK: the phone starts over with a DISCOVER"
    if tb.VLAN_GIVEN.matches(trace):
        return ACKED, f"gave VLAN {fields_of(tb.VLAN_GIVEN, trace).get('vlan')}"
    if tb.VLAN_NOT_GIVEN.matches(trace):
        return ACKED, f"no VLAN: {fields_of(tb.VLAN_NOT_GIVEN, trace).get('why')}"
    if tb.LEASE_ACKED.matches(trace):
        return ACKED, f"the phone holds {fields_of(tb.LEASE_ACKED, trace).get('address')}"
    return None


def with_verdict(answer: AnswerVerdict, verdict: str, why: str) -> AnswerVerdict:
    return replace(answer, verdict=verdict, why=why)


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
