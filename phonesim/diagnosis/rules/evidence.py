"""What every rule needs beside its own evidence: the finding texts, where a step was seen,
and whether a finding explains the failure (an error) or was covered for (a warning)."""

from __future__ import annotations

from typing import Any

from phonesim.core import failure_reasons as reasons
from phonesim.core.failure_reasons import Reason
from phonesim.core.stage import Stage
from phonesim.diagnosis.boot_record import BootRecord, Step
from phonesim.diagnosis.finding_texts import FindingTexts

TEXTS = FindingTexts.load("phonesim.diagnosis", "findings.toml")
"""Every finding's words, by id (diagnosis/findings.toml)."""

URL_FAILURES: tuple[Reason, ...] = (
    reasons.DISCOVERY_NO_WEB_SERVICES,
    *reasons.reasons_at(Stage.ROOTCHAIN),
    *(r for r in reasons.reasons_at(Stage.CERTPROV) if r is not reasons.CERTPROV_INVALID_SECURITY),
)
"""Failures that follow from a web services URL the phone had to guess or got wrong (not a
refused security timestamp: only the right service answers that)."""

WORKED = "worked"
FAILED = "failed"


def outcome(explains: bool) -> str:
    """The `outcome` choice of a text: whether the finding is why the boot failed."""
    return FAILED if explains else WORKED


def severity(explains: bool) -> str:
    return "error" if explains else "warning"


def at(step: Step | None) -> dict[str, Any]:
    """Where in the boot the evidence was seen."""
    return {} if step is None else {"t": step.t}


def failed_url(record: BootRecord) -> str | None:
    failure = record.failure_fields
    return None if failure is None else failure.get("url")


__all__ = ["TEXTS", "URL_FAILURES", "at", "failed_url", "outcome", "severity"]
