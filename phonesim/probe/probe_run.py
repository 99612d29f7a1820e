"""What one probe boot tells a monitoring system: worked or not, why, and how long each
step took."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from phonesim.app.boot import BootReport
from phonesim.probe.step_timing import waterfall


@dataclass(frozen=True)
class ProbeRun:
    result: dict[str, Any]
    """result.json of the boot (Test-CsPhoneBootstrap's fields and phonesim's)."""
    total: float
    """Seconds from power on to the boot's end: signed in, stopped where asked, or failed."""
    steps: dict[str, float]
    """Seconds during which each kind of step was under way (`Waterfall.busy`)."""
    finished_at: float
    """Unix time the boot ended."""

    @property
    def success(self) -> bool:
        return self.result.get("Result") == "Success"

    @property
    def reason(self) -> str | None:
        return None if self.success else str(self.result.get("Reason") or "unknown")

    @property
    def top_finding(self) -> dict[str, Any] | None:
        """The first finding the diagnosis ranks: the root cause of a failure, else the most
        pressing warning; info findings are not news for a monitoring system."""
        for finding in self.result.get("Findings") or []:
            if finding.get("Severity") in ("error", "warning"):
                return dict(finding)
        return None

    @property
    def profile(self) -> str:
        return str((self.result.get("Phone") or {}).get("Profile", ""))

    @property
    def model(self) -> str:
        return str((self.result.get("Phone") or {}).get("Model", ""))


def probe_run(report: BootReport, finished_at: float) -> ProbeRun:
    steps = waterfall(report.traces)
    total = steps.total
    if total is None:
        total = float(report.result.get("LatencySeconds") or 0.0)
    return ProbeRun(report.result, total, steps.busy(), finished_at)


__all__ = ["ProbeRun", "probe_run"]
