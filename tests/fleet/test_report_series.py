"""summary.json's `over_time`: the charts' figures for scripts, in buckets that suit a
0.3 s storm as well as an hour's soak."""

from __future__ import annotations

import pytest

from phonesim.fleet.fleet_report import fleet_summary
from phonesim.fleet.report_series import over_time
from phonesim.fleet.stage_clock import StageClock
from phonesim.fleet.statistics import FleetStatistics


def fleet(phones: int, span: float, boot: float, *, failed_every: int = 0) -> FleetStatistics:
    """`phones` powered on evenly over `span`, each booting in `boot` seconds."""
    stats = FleetStatistics()
    for index in range(phones):
        start = index * span / phones
        ok = not failed_every or index % failed_every
        clock = StageClock()
        clock.samples = [("dhcp", boot / 4), ("boot", boot)] if ok else [("dhcp", boot / 4)]
        clock.reached = {"boot", "dhcp"}
        stats.phone_started(start)
        outcome = "success" if ok else "registrar.no_answer"
        stats.phone_finished(start + boot, outcome, clock, started=start)
    return stats


@pytest.mark.parametrize(
    ("phones", "span", "bucket", "fewest_buckets"),
    [(2000, 0.3, 0.01, 30), (3600, 3600.0, 100.0, 36)],  # a DHCP storm; an hour's soak
)
def test_buckets_suit_a_storm_and_a_soak(
    phones: int, span: float, bucket: float, fewest_buckets: int
) -> None:
    stats = fleet(phones, span, boot=span / 100)
    series = over_time(stats, span + span / 100)
    assert series["bucket_seconds"] == bucket
    assert fewest_buckets <= len(series["bucket_starts"]) <= 61
    drawn = series["powered_on_per_second"]
    assert sum(1 for rate in drawn if rate) >= fewest_buckets - 1  # not one point, nor noise
    assert sum(drawn) * bucket == pytest.approx(phones)


def test_the_summary_holds_what_the_charts_draw() -> None:
    stats = fleet(100, 10.0, boot=0.4, failed_every=10)
    summary = fleet_summary(stats, config={}, elapsed=10.4, stop_reason="completed")
    series = summary["over_time"]
    size = series["bucket_seconds"]
    assert sum(series["succeeded_per_second"]) * size == pytest.approx(90)
    assert sum(series["failed_per_second"]) * size == pytest.approx(10)
    # 100 phones over 10 s each booting 0.4 s: 4 at once, once the first has booted.
    assert series["in_flight"][len(series["in_flight"]) // 2] == pytest.approx(4.0)
    dhcp = series["latency_seconds"]["dhcp"]
    assert {v for v in dhcp["p50"] if v is not None} == {0.1}
    assert set(series["latency_seconds"]) == {"dhcp", "boot"}
