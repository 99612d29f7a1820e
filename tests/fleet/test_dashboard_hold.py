"""The live dashboard of a held fleet: a held phone has signed in, though it finishes only
when its hold ends; the count says so, how many are held now, and the rate is of sign-ins."""

from __future__ import annotations

from collections import Counter

from rich.console import Console

from phonesim.fleet.dashboard import progress_line, render
from phonesim.fleet.fleet_run import FleetProgress
from phonesim.fleet.hold_figures import HoldFigures
from phonesim.fleet.statistics import FleetStatistics


def held_fleet() -> FleetProgress:
    stats = FleetStatistics("provisioning", held=True)
    for at in (0.0, 0.1, 0.2):
        stats.phone_started(at)
    hold = HoldFigures(30.0)
    for at in (1.0, 1.2, 1.4):
        hold.began(at)
    return FleetProgress(
        elapsed=3.0,
        statistics=stats,
        in_flight=3,
        by_stage=Counter({"held": 3}),
        arrivals_done=True,
        stopping=False,
        hold=hold,
    )


def test_held_phones_count_as_signed_in_while_held() -> None:
    progress = held_fleet()
    line = progress_line(progress, 3)
    assert "signed-in-and-provisioned 3 held-now 3 failed 0" in line
    console = Console(width=200, record=True)
    console.print(render(progress, 3))
    shown = console.export_text()
    assert "signed in and provisioned 3 (3 held now)" in shown
    # Three sign-ins ended in the last 3 s, though no phone has finished.
    assert "1.0 signed in/s over the last 3 s" in shown
