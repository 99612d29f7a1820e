"""One finding: what went wrong (or is fragile), the evidence, and what an admin does about it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Finding:
    id: str
    """Stable name, e.g. `option43.truncated`: scripts and tests key on it."""
    severity: str
    """error: why the sign-in failed | warning: works, but fragile | info: worth knowing"""
    title: str
    explanation: str
    evidence: dict[str, Any] = field(default_factory=dict)
    """The packet, answer or step that shows it, with its decoded values."""
    remediation: tuple[str, ...] = ()
    phone_screen: str | None = None
    """What the phone's screen shows, for an error."""
    priority: int = 50
    """Among errors, lower is closer to the root cause."""
    symptom: bool = False
    """It describes the step that failed, not why: dropped when a cause explains the failure."""

    def to_json(self) -> dict[str, Any]:
        return {
            "Id": self.id,
            "Severity": self.severity,
            "Title": self.title,
            "Explanation": self.explanation,
            "Evidence": self.evidence,
            "Remediation": list(self.remediation),
            "PhoneScreen": self.phone_screen,
        }
