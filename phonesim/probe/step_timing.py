"""Every step of one boot on the boot's clock: when it began, how long it took, whether it
worked; for the probe's per-step latencies and the run folder's waterfall.

The fleet's `StageClock` already pairs each step's start with its end (or its failure) by
the trace schema; reading its figures as they grow gives each bar's end, and so its start,
without a second table of which event opens and closes which step.
"""

from __future__ import annotations

from collections.abc import Iterable

from phonesim.core.commands import Trace
from phonesim.fleet.stage_clock import BOOT, HELD_STEPS, OK, STAGES, StageClock
from phonesim.report.step_waterfall import StepBar, Waterfall

PROBED_STEPS = tuple(str(step) for step in STAGES if step != BOOT and step not in HELD_STEPS)
"""The steps a probe times and takes thresholds on: the fleet's, but the whole boot (the
probe's total) and a held phone's (a probe does not hold)."""


def waterfall(traces: Iterable[Trace]) -> Waterfall:
    clock = StageClock()
    bars: list[StepBar] = []
    total: float | None = None
    for trace in traces:
        worked = len(clock.samples)
        failed = len(clock.failures)
        clock.observe(trace)
        for step, seconds in clock.samples[worked:]:
            if step == BOOT:
                total = seconds
            else:
                bars.append(StepBar(str(step), trace.t - seconds, seconds, OK))
        for failure in clock.failures[failed:]:
            if failure.stage == BOOT:
                total = failure.seconds
            else:
                bars.append(
                    StepBar(
                        str(failure.stage),
                        trace.t - failure.seconds,
                        failure.seconds,
                        failure.kind,
                        failure.message or failure.reason,
                    )
                )
    bars.sort(key=lambda bar: (bar.start, bar.end))
    return Waterfall(tuple(bars), None if total is None else round(total, 6))


__all__ = ["PROBED_STEPS", "waterfall"]
