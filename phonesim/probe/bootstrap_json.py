"""The probe's `--json`: shaped like Test-CsPhoneBootstrap's result, so a script that reads
the cmdlet's `TargetUri`, `TargetFqdn`, `Result`, `Latency`, `Error` and `Diagnosis` reads
this too; what a monitoring script needs beyond them is under `Probe`."""

from __future__ import annotations

from typing import Any

from phonesim.probe.plugin_output import PluginState
from phonesim.probe.probe_run import ProbeRun

CMDLET_FIELDS = ("TargetUri", "TargetFqdn", "Result", "Latency", "Error", "Diagnosis")


def probe_json(run: ProbeRun, state: PluginState) -> dict[str, Any]:
    shaped: dict[str, Any] = {name: run.result.get(name) for name in CMDLET_FIELDS}
    finding = run.top_finding
    shaped["Probe"] = {
        "State": state.name,
        "ExitCode": int(state),
        "Reason": run.reason,
        "TopFinding": None
        if finding is None
        else {key: finding.get(key) for key in ("Id", "Severity", "Title", "Remediation")},
        "LatencySeconds": run.total,
        "StepSeconds": run.steps,
        "Profile": run.profile,
        "FinishedAt": run.finished_at,
        "RunFolder": run.result.get("RunFolder"),
    }
    return shaped


__all__ = ["probe_json"]
