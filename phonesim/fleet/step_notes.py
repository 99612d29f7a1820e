"""Sentences that explain a step's counts: why it has fewer good samples than phones.

A latency row of 256 samples in a fleet of 500 phones reads as "fine" unless
something says the other 244 waited for an answer that never came; the
terminal and report.html both print these lines under the step table.
"""

from __future__ import annotations

from typing import Any

from phonesim.fleet.statistics import (
    FAILED_BEFORE,
    INTERRUPTED_BEFORE,
    SKIPPED,
    STOPPED_AS_ASKED,
)

NOT_REACHED_TEXT = {
    FAILED_BEFORE: "failed before it",
    INTERRUPTED_BEFORE: "were stopped by the fleet before it",
    STOPPED_AS_ASKED: "stopped earlier as --stage asked",
    SKIPPED: "went on without it",
}


def step_notes(summary: dict[str, Any]) -> list[str]:
    """One line per step that did not work for every phone that finished."""
    finished = summary["phones_finished"]
    notes = []
    for stage, step in summary["steps"].items():
        line = step_note(stage, step, finished)
        if line:
            notes.append(line)
    return notes


def step_note(stage: str, step: dict[str, Any], finished: int) -> str | None:
    bad = step["failed"] + step["timed_out"] + step["interrupted"]
    if step["phones"] >= finished and not bad:
        return None
    line = f"{stage}: ran on {step['phones']} of {finished} phones"
    missing = [
        f"{count} {NOT_REACHED_TEXT.get(why, why)}" for why, count in step["not_reached"].items()
    ]
    if missing:
        line += " (" + ", ".join(missing) + ")"
    if bad:
        counts = [f"{step['ok']} ok"]
        for key, text in (
            ("failed", "failed"),
            ("timed_out", "timed out"),
            ("interrupted", "cut short by the fleet's end"),
        ):
            if step[key]:
                counts.append(f"{step[key]} {text}")
        line += "; " + ", ".join(counts)
        failed = step["failed_latency_seconds"]
        if failed:
            line += f" (median time to failure {failed['p50'] * 1000:.1f} ms)"
    return line
