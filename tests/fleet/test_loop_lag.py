"""The fleet's own delay: measured on its event loop, and said when it is the bottleneck."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from phonesim.app.network import lab_network
from phonesim.fleet.fleet_report import fleet_summary
from phonesim.fleet.fleet_run import FleetPlan, FleetRun
from phonesim.fleet.identities import lab_users_toml
from phonesim.fleet.load_shape import LoadShape
from phonesim.fleet.loop_lag import BOUND, MAX_WINDOWS, LoopLag, loop_lag_note
from phonesim.fleet.report_page import report_html
from phonesim.fleet.step_notes import step_notes
from phonesim.lab.embedded_lab import EmbeddedLab
from tests.fleet.test_fleet_run import PROFILES, phones


def test_percentiles_are_nearest_rank_rounded_up_to_a_tenth_of_a_millisecond() -> None:
    lag = LoopLag()
    for i in range(100):
        lag.record(i * 0.01, 0.00025 if i < 90 else 0.0402)
    summary = lag.summary()
    assert summary is not None
    assert (summary["p50"], summary["p90"], summary["p99"]) == (0.0003, 0.0003, 0.0402)
    assert summary["max"] == 0.0402 and summary["ticks"] == 100
    assert summary["saturated"] is False  # 90 % of the ticks were on time


def test_memory_stays_bounded_over_a_long_run_and_keeps_the_worst() -> None:
    lag = LoopLag()
    for i in range(100_000):
        lag.record(i * 0.1, 2.5 if i == 77_777 else 0.0001)
    assert len(lag.windows) <= MAX_WINDOWS
    assert max(lag.windows) == 2.5
    summary = lag.summary()
    assert summary is not None and summary["max"] == 2.5
    assert summary["window_seconds"] * len(lag.windows) >= 100_000 * 0.1 - summary["window_seconds"]


def test_a_fleet_with_time_to_spare_gets_no_warning() -> None:
    lag = LoopLag()
    for i in range(500):
        lag.record(i * 0.01, 0.001)
    assert loop_lag_note(lag.summary()) is None


def test_a_saturated_fleet_says_the_latencies_include_its_own_delay(tmp_path: Path) -> None:
    everyone = phones(20)
    users = tmp_path / "users.toml"
    users.write_text(lab_users_toml(everyone, "phonesim.test"))

    async def hog() -> None:
        """Work that leaves the phones' answers waiting, as too many phones would."""
        while True:
            time.sleep(0.03)
            await asyncio.sleep(0)

    async def go() -> FleetRun:
        async with EmbeddedLab(users_file=users) as lab:
            fleet = FleetRun(
                FleetPlan(
                    everyone, PROFILES, shape=LoadShape(phones=20, rate=100.0), final_stage="dhcp"
                ),
                lab_network(lab.endpoints),
            )
            busy = asyncio.ensure_future(hog())
            try:
                await fleet.run()
            finally:
                busy.cancel()
            return fleet

    fleet = asyncio.run(go())
    lag = fleet.loop_lag.summary()
    assert lag is not None and lag["saturated"] is True and lag["p90"] > BOUND
    summary = fleet_summary(
        fleet.statistics,
        config={"stage": "dhcp", "target": "embedded lab"},
        elapsed=fleet.elapsed,
        stop_reason="completed",
        arrivals=fleet.arrivals(),
        loop_lag=lag,
    )
    assert summary["loop_lag"]["saturated"] is True
    (note,) = [n for n in step_notes(summary) if n.startswith("the fleet's own process")]
    assert "the latencies here include the fleet's own delay" in note
    assert "the fleet, not the servers, was the bottleneck" in note
    page = report_html(fleet.statistics, summary)
    assert "The fleet was saturated: the latencies in this report include its own delay." in page
    assert "the fleet, not the servers, was the bottleneck" in page


def test_the_end_summary_gives_the_fleets_own_delay_when_within_bound() -> None:
    import io

    from rich.console import Console

    from phonesim.fleet.end_summary import print_end_summary
    from phonesim.fleet.statistics import FleetStatistics

    lag = LoopLag()
    for i in range(100):
        lag.record(i * 0.01, 0.0006 if i < 95 else 0.0042)
    summary = fleet_summary(
        FleetStatistics(),
        config={"stage": "registrar", "target": "embedded lab"},
        elapsed=1.0,
        stop_reason="completed",
        loop_lag=lag.summary(),
    )
    console = Console(file=io.StringIO(), width=200)
    print_end_summary(console, summary, Path("out"))
    assert (
        "the fleet's own delay (its event loop late by): p50 0.6 ms, p90 0.6 ms, max 4.2 ms; "
        "within its 5 ms bound" in console.file.getvalue()
    )
