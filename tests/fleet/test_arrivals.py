"""Phones power on as the schedule says, and the report says when they could not."""

from __future__ import annotations

import asyncio
import csv
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from phonesim.app.network import lab_network
from phonesim.fleet.arrivals import LAG_BOUND, arrival_note, arrival_summary
from phonesim.fleet.fleet_run import FleetPlan, FleetRun
from phonesim.fleet.identities import lab_users_toml
from phonesim.fleet.load_shape import LoadShape
from phonesim.lab.embedded_lab import EmbeddedLab
from tests.fleet.test_fleet_run import PROFILES, phones


def test_an_idle_fleet_powers_phones_on_evenly(tmp_path: Path) -> None:
    # A fresh process, as a user runs it: its libraries load before the clock starts,
    # so the first phones do not stall the schedule and arrive in one burst.
    report = tmp_path / "out"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "phonesim",
            "fleet",
            "--lab",
            "--phones",
            "300",
            "--rate",
            "200/s",
            "--stage",
            "dhcp",
            "--json",
            "--report",
            str(report),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    with (report / "phones.csv").open() as handle:
        starts = [float(row["started_s"]) for row in csv.DictReader(handle)]
    per_100ms = Counter(int(t * 10) for t in starts)
    target = 20  # 200/s
    # Shape, not wall time: a stall of up to 100 ms on a loaded machine still passes.
    assert max(per_100ms.values()) <= 2 * target, sorted(per_100ms.items())
    arrivals = json.loads((report / "summary.json").read_text())["arrivals"]
    assert arrivals["target_per_second"] == 200.0
    assert arrivals["scheduled_per_second"] == 200.0
    assert arrivals["achieved_per_second"] > 0


def test_a_busy_loop_delays_arrivals_and_the_report_says_so(tmp_path: Path) -> None:
    everyone = phones(100)
    users = tmp_path / "users.toml"
    users.write_text(lab_users_toml(everyone[:1], "phonesim.test"))

    async def go() -> FleetRun:
        async with EmbeddedLab(users_file=users) as lab:
            fleet = FleetRun(
                FleetPlan(
                    everyone,
                    PROFILES,
                    shape=LoadShape(phones=100, rate=100.0),
                    final_stage="dhcp",
                ),
                lab_network(lab.endpoints),
            )
            loop = asyncio.get_running_loop()
            # Something holds the loop for 0.3 s while phones are due.
            loop.call_later(0.2, time.sleep, 0.3)
            await fleet.run()
            return fleet

    fleet = asyncio.run(go())
    stats = fleet.statistics
    started, scheduled = list(stats.started_at), list(stats.scheduled_at)
    assert scheduled == [i / 100 for i in range(100)]
    assert all(a >= s for a, s in zip(started, scheduled, strict=True))  # never early
    assert started == sorted(started)
    arrivals = fleet.arrivals()
    assert arrivals["behind_schedule"] is True
    assert arrivals["lag_seconds"]["max"] >= 0.25 > LAG_BOUND
    lag = fleet.loop_lag.summary()
    assert lag is not None and lag["max"] >= 0.25  # the stall, measured on the loop itself
    note = arrival_note(arrivals, lag)
    assert note is not None and note.startswith("arrivals ")
    assert "the fleet's own event loop ran late" in note


def test_phones_held_back_by_the_concurrency_cap_are_named_as_the_cause() -> None:
    arrivals = arrival_summary(
        [0.0, 0.5, 1.0, 1.5], [0.0, 0.01, 0.02, 0.03], rate=100.0, waited_for_capacity=3
    )
    assert arrivals["behind_schedule"] is True
    assert "3 phones waited for a free slot (--concurrency)" in (arrival_note(arrivals) or "")


def test_rate_max_has_no_schedule_to_lag() -> None:
    arrivals = arrival_summary([0.0, 0.1, 0.2], [0.0, 0.0, 0.0], rate=None, waited_for_capacity=0)
    assert arrivals["lag_seconds"] is None and arrivals["behind_schedule"] is False
    assert arrivals["achieved_per_second"] == 10.0
    assert arrival_note(arrivals) is None


def test_late_phones_at_the_scheduled_rate_are_not_called_behind() -> None:
    # A stall bunched phones 2-5 up, yet the last phone was on time: the rate held.
    arrivals = arrival_summary(
        [0.0, 0.01, 0.3, 0.3, 0.3, 0.3, 0.3],
        [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3],
        rate=20.0,
        waited_for_capacity=0,
    )
    assert arrivals["behind_schedule"] is True
    note = arrival_note(arrivals) or ""
    assert note.startswith("arrivals ran late: lag p99 200 ms")
    assert "though the average rate held (20.0 phones/s achieved, 20.0 scheduled)" in note
    assert "fell behind" not in note


def test_arrivals_that_fell_short_of_the_rate_say_by_how_much() -> None:
    arrivals = arrival_summary(
        [0.0, 0.2, 0.4, 0.6], [0.0, 0.05, 0.1, 0.15], rate=20.0, waited_for_capacity=0
    )
    note = arrival_note(arrivals) or ""
    assert note.startswith(
        "arrivals fell behind the schedule: 5.0 phones/s achieved, 20.0 scheduled; lag p99"
    )
