"""The end summary in a log or a file: every figure prints whole, whatever the width."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from phonesim.fleet.end_summary import print_end_summary
from phonesim.fleet.fleet_report import fleet_summary
from phonesim.fleet.stage_clock import STAGES, StageClock, StepFailure
from phonesim.fleet.statistics import FleetStatistics


def big_fleet() -> dict:
    """10,000 DNS answers and boots of seconds: the figures that were cut short."""
    stats = FleetStatistics()
    for index in range(2000):
        clock = StageClock()
        clock.samples = [
            ("dhcp", 0.0123 + index * 1e-6),
            *(("dns", 0.1289 + k * 1e-3) for k in range(5)),
            ("time", 0.2329),
            ("rootchain", 0.4412),
            ("metadata", 0.3463),
            ("metadata", 1.9066),
            ("webticket", 0.8815),
            ("certprov", 0.2704),
            ("registrar", 0.5213),
            ("boot", 3.3881 + index * 1e-3),
        ]
        clock.reached = set(STAGES)
        if index % 10 == 0:
            clock.failures = [
                StepFailure(
                    "time", 2.0004, "timed_out", "time.no_answer", "no answer within 2 s", False
                )
            ]
        stats.phone_started(index / 1000)
        stats.phone_finished(index / 1000 + 3.5, "success", clock)
    return fleet_summary(
        stats,
        config={"stage": "registrar", "target": "embedded lab"},
        elapsed=5.4,
        stop_reason="completed",
    )


def figures_of(summary: dict) -> set[str]:
    """Every count and latency (ms, one decimal) the step table shows."""
    shown = set()
    for step in summary["steps"].values():
        shown |= {str(step[k]) for k in ("ok", "failed", "timed_out")}
        latency = step["latency_seconds"]
        if latency:
            shown |= {
                f"{latency[k] * 1000:.1f}" for k in ("p50", "p90", "p99", "p99.9", "max", "mean")
            }
    return shown


@pytest.mark.parametrize("width", [200, 80, 60, 40])
def test_every_figure_of_the_step_table_prints_whole_in_a_file(width: int) -> None:
    summary = big_fleet()
    assert summary["steps"]["dns"]["ok"] == 10000
    console = Console(file=io.StringIO(), width=width)  # a file: not a terminal
    print_end_summary(console, summary, Path("out"))
    text = console.file.getvalue()
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= width
    tokens = set(re.findall(r"[\w.]+", text))
    assert figures_of(summary) <= tokens, figures_of(summary) - tokens
    assert set(summary["steps"]) <= tokens


FLEET = (sys.executable, "-m", "phonesim", "fleet", "--lab")


def test_a_fleet_run_into_a_file_prints_every_figure_whole(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    report = tmp_path / "report"
    with out.open("w") as handle:
        code = subprocess.run(
            [*FLEET, "--phones", "20", "--rate", "max", "--key-pool", "1", "--report", str(report)],
            stdout=handle,
            stderr=subprocess.STDOUT,
            env={**os.environ, "COLUMNS": "80"},
            timeout=120,
        ).returncode
    text = out.read_text()
    assert code == 0, text
    summary = json.loads((report / "summary.json").read_text())
    assert "…" not in text
    tokens = set(re.findall(r"[\w.]+", text))
    assert figures_of(summary) <= tokens, text
