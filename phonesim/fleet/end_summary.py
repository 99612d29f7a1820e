"""What the terminal shows when a fleet ends: steps, why some fell short, failures, outcome."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from phonesim.fleet.step_notes import reached_label, scenario_note, shown_steps, step_notes
from phonesim.fleet.stop_reason import COMPLETED
from phonesim.fleet.wording import phones

PERCENTILE_KEYS = ("p50", "p90", "p99", "p99.9", "max", "mean")


def print_end_summary(console: Console, summary: dict[str, Any], report_dir: Path) -> None:
    steps, left_out = shown_steps(summary)
    table = Table(
        title=f"{phones(summary['phones_started'])} in {summary['elapsed_seconds']:.1f} s "
        "(latency of the steps that worked, ms)"
    )
    table.add_column("step", no_wrap=True)
    for label in ("ok", "failed", "timed out", *PERCENTILE_KEYS):
        table.add_column(label, justify="right")
    for stage, step in steps:
        figures = step["latency_seconds"]
        table.add_row(
            stage,
            str(step["ok"]),
            str(step["failed"]),
            str(step["timed_out"]),
            *(f"{figures[key] * 1000:.1f}" if figures else "-" for key in PERCENTILE_KEYS),
        )
    console.print(table)
    if left_out:
        console.print(left_out)
    console.print("[dim]failed steps are timed too: failed_latency_seconds in summary.json[/dim]")
    for note in step_notes(summary):
        console.print(note)
    if summary["failures"]:
        failures = Table(title="failures")
        failures.add_column("step", no_wrap=True)
        failures.add_column("reason", no_wrap=True)
        failures.add_column("count", justify="right")
        failures.add_column("ends boot")
        failures.add_column("message", overflow="fold")
        for row in summary["failures"]:
            failures.add_row(
                row["step"],
                row["reason"],
                str(row["count"]),
                "yes" if row["ended_boot"] else "no",
                row["message"],
            )
        console.print(failures)
    outcomes = ", ".join(f"{name} {count}" for name, count in summary["outcomes"].items())
    console.print(f"outcomes: {outcomes}")
    reached = reached_label(summary["config"].get("stage", "registrar"))
    console.print(
        f"{summary['succeeded']} {reached}, {summary['failed']} failed; "
        f"{summary['phones_per_second'] or 0:.1f} phones finished per second "
        "(phones finished ÷ elapsed time)"
    )
    expected = scenario_note(summary)
    if expected:
        console.print(expected)
    if summary["stopped"] != COMPLETED:
        console.print(f"stopped: {summary['stopped_detail']}")
    console.print(f"report: {report_dir} (summary.json, phones.csv, report.html)")
