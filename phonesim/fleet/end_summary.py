"""What the terminal shows when a fleet ends: steps, why some fell short, failures, outcome."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console

from phonesim.core.stage import Stage
from phonesim.fleet.hold_view import end_lines
from phonesim.fleet.report_warm import warm_line
from phonesim.fleet.step_notes import reached_label, scenario_note, shown_steps, step_notes
from phonesim.fleet.stop_reason import COMPLETED
from phonesim.fleet.summary_tables import failures_table, step_tables
from phonesim.fleet.wording import phones, rate_sentence


def print_end_summary(console: Console, summary: dict[str, Any], report_dir: Path) -> None:
    steps, left_out = shown_steps(summary)
    heading = f"{phones(summary['phones_started'])} in {summary['elapsed_seconds']:.1f} s"
    console.print(step_tables(heading, steps))
    for line in left_out:
        console.print(line)
    console.print("[dim]failed steps are timed too: failed_latency_seconds in summary.json[/dim]")
    lag = summary.get("loop_lag")
    if lag and lag["ticks"] and not lag["saturated"]:  # when saturated, a note says it all
        figures = ", ".join(f"{key} {lag[key] * 1000:.1f} ms" for key in ("p50", "p90", "max"))
        console.print(
            f"[dim]the fleet's own delay (its event loop late by): {figures}; within its "
            f"{lag['bound_seconds'] * 1000:g} ms bound[/dim]"
        )
    for note in step_notes(summary):
        console.print(note)
    if summary["failures"]:
        console.print(failures_table(summary["failures"]))
    if summary.get("hold"):
        for line in end_lines(summary["hold"]):
            console.print(line)
    if summary.get("warm"):
        console.print(warm_line(summary["warm"]))
    leases = summary.get("leases")
    if leases:
        refused = leases["release_not_sent"]
        console.print(
            f"leases: {leases['taken']} taken, {leases['released']} given back (DHCPRELEASE)"
            + (f", {refused} RELEASE(s) the link refused" if refused else "")
        )
    outcomes = ", ".join(f"{name} {count}" for name, count in summary["outcomes"].items())
    console.print(f"outcomes: {outcomes}")
    reached = reached_label(summary["config"].get("stage", Stage.REGISTRAR))
    console.print(
        f"{summary['succeeded']} {reached}, {summary['failed']} failed; {rate_sentence(summary)}"
    )
    expected = scenario_note(summary)
    if expected:
        console.print(expected)
    if summary["stopped"] != COMPLETED:
        console.print(f"stopped: {summary['stopped_detail']}")
    console.print(f"report: {report_dir} (summary.json, phones.csv, report.html)")
