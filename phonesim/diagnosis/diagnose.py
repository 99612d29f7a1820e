"""Run every rule over a boot and rank what they found: root cause first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from phonesim.diagnosis.boot_record import BootRecord, TraceLike
from phonesim.diagnosis.finding import SEVERITIES, Finding
from phonesim.diagnosis.phone_screen import screen_for
from phonesim.diagnosis.rules import RULES, Rule
from phonesim.diagnosis.rules.evidence import TEXTS

ALL_RULES: tuple[Rule, ...] = RULES
UNEXPLAINED = TEXTS["signin.failed"]


@dataclass(frozen=True)
class Diagnosis:
    findings: tuple[Finding, ...]

    @property
    def top(self) -> Finding | None:
        return self.findings[0] if self.findings else None

    def to_json(self) -> list[dict[str, Any]]:
        return [finding.to_json() for finding in self.findings]


def diagnose(
    traces: Iterable[TraceLike] | BootRecord, rules: Iterable[Rule] = ALL_RULES
) -> Diagnosis:
    record = traces if isinstance(traces, BootRecord) else BootRecord(traces)
    found = [finding for rule in rules if (finding := rule(record)) is not None]
    causes = [f for f in found if f.severity == "error" and not f.symptom]
    if causes:
        # One finding per root cause: the failing step is evidence of the cause.
        found = [f for f in found if not (f.symptom and f.severity == "error")]
    elif record.failure is not None and not any(f.severity == "error" for f in found):
        found.append(_unexplained(record))
    found.sort(key=lambda f: (SEVERITIES.index(f.severity), f.priority))
    return Diagnosis(tuple(found))


def _unexplained(record: BootRecord) -> Finding:
    """A failure no rule recognises still gets a finding that says where and what."""
    failure = record.failure
    failed = record.failure_fields
    assert failure is not None and failed is not None
    return UNEXPLAINED.finding(
        severity="error",
        evidence={k: v for k, v in failure.fields.items() if k != _MESSAGE and v is not None},
        phone_screen=screen_for(failure.stage),
        priority=99,
        stage=failure.stage,
        message=str(failed.get("message") or failed.get("reason")),
    )


_MESSAGE = "message"
