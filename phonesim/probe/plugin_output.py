"""The probe as a Nagios / Icinga plugin: one status line with performance data, and the
exit code the Monitoring Plugins development guidelines give each state.

`SERVICE STATE - text | 'label'=value[UOM];[warn];[crit];[min];[max] ...`: a failed boot
is CRITICAL and names its stable reason and top finding, so the alert itself says what to
fix; a boot that worked but took longer than a threshold is WARNING or CRITICAL; input
the probe cannot run with is UNKNOWN.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum

from phonesim.probe.probe_run import ProbeRun
from phonesim.probe.threshold_range import ThresholdRange

SERVICE = "PHONESIM"
TOTAL = "total"
"""The perfdata label of the whole boot's latency."""


class PluginState(IntEnum):
    OK = 0
    WARNING = 1
    CRITICAL = 2
    UNKNOWN = 3


@dataclass(frozen=True)
class Thresholds:
    warning: ThresholdRange | None = None
    critical: ThresholdRange | None = None
    step_warning: Mapping[str, ThresholdRange] = field(default_factory=dict)
    step_critical: Mapping[str, ThresholdRange] = field(default_factory=dict)


def plugin_state(run: ProbeRun, thresholds: Thresholds) -> tuple[PluginState, list[str]]:
    """The state, and each threshold crossed, as words for the status line."""
    if not run.success:
        return PluginState.CRITICAL, []
    crossed_critical = _crossed(run, thresholds.critical, thresholds.step_critical, "critical")
    if crossed_critical:
        return PluginState.CRITICAL, crossed_critical
    crossed_warning = _crossed(run, thresholds.warning, thresholds.step_warning, "warning")
    if crossed_warning:
        return PluginState.WARNING, crossed_warning
    return PluginState.OK, []


def _crossed(
    run: ProbeRun,
    total: ThresholdRange | None,
    steps: Mapping[str, ThresholdRange],
    level: str,
) -> list[str]:
    crossed = []
    if total is not None and total.alerts(run.total):
        crossed.append(f"boot took {run.total:.3f} s ({level} {total.text})")
    for step, limit in steps.items():
        seconds = run.steps.get(step)
        if seconds is not None and limit.alerts(seconds):
            crossed.append(f"{step} took {seconds:.3f} s ({level} {limit.text})")
    return crossed


def plugin_output(run: ProbeRun, thresholds: Thresholds) -> tuple[PluginState, str]:
    """The status line with its performance data, and the state (the exit code)."""
    state, crossed = plugin_state(run, thresholds)
    return state, f"{SERVICE} {state.name} - {_text(run, crossed)} | {_perfdata(run, thresholds)}"


def unknown_output(message: str) -> str:
    return f"{SERVICE} {PluginState.UNKNOWN.name} - {_clean(message)}"


def _text(run: ProbeRun, crossed: list[str]) -> str:
    who = (run.result.get("Phone") or {}).get("SignInAs", "?")
    finding = run.top_finding
    if not run.success:
        words = f"{run.reason} after {run.total:.3f} s: {run.result.get('Error') or 'boot failed'}"
        if finding is not None:
            words += f"; finding {finding.get('Id')}: {finding.get('Title')}"
        return _clean(words)
    reached = run.result.get("Stage") or "the end"
    words = f"{who} reached {reached} in {run.total:.3f} s"
    if crossed:
        words += "; " + "; ".join(crossed)
    if finding is not None:
        words += (
            f"; finding {finding.get('Id')} ({finding.get('Severity')}): {finding.get('Title')}"
        )
    return _clean(words)


def _clean(text: str) -> str:
    """One line, and no `|`: the guidelines' separator of text and performance data."""
    return " ".join(text.replace("|", "/").split())


def _perfdata(run: ProbeRun, thresholds: Thresholds) -> str:
    items = [_item(TOTAL, run.total, thresholds.warning, thresholds.critical)]
    for step, seconds in run.steps.items():
        items.append(
            _item(
                step,
                seconds,
                thresholds.step_warning.get(step),
                thresholds.step_critical.get(step),
            )
        )
    return " ".join(items)


def _item(
    label: str, seconds: float, warning: ThresholdRange | None, critical: ThresholdRange | None
) -> str:
    warn = warning.perfdata() if warning is not None else ""
    crit = critical.perfdata() if critical is not None else ""
    return f"'{label}'={seconds:.6f}s;{warn};{crit};0"


__all__ = ["PluginState", "Thresholds", "plugin_output", "plugin_state", "unknown_output"]
