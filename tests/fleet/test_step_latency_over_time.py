"""Each step's latency placed where it ended in the run, so a step that slowed down late in
a soak shows late, not smeared over the run or stacked at the phones' ends."""

from __future__ import annotations

import pytest

from phonesim.core.commands import Trace
from phonesim.fleet.report_plots import step_latency_over_time_plots
from phonesim.fleet.stage_clock import StageClock
from phonesim.fleet.statistics import FleetStatistics
from phonesim.fleet.time_series import Buckets


def booted(power_on: float, dhcp_answer: float, signed_in: float) -> StageClock:
    """A phone whose clock reads `power_on` at power on (the loop's clock, not zero)."""
    clock = StageClock()
    for t, stage, event in (
        (power_on, "boot", "power_on"),
        (power_on, "dhcp", "inform_sent"),
        (dhcp_answer, "dhcp", "answer"),
        (signed_in, "registrar", "challenge_reached"),
    ):
        clock.observe(Trace(t, stage, event, {}, "info"))
    return clock


def test_a_step_is_placed_where_it_ended_not_where_the_phone_did() -> None:
    stats = FleetStatistics()
    clock = booted(1000.0, 1000.05, 1003.0)
    assert clock.sample_ends == pytest.approx([0.05, 3.0])
    stats.phone_started(10.0)
    stats.phone_finished(13.0, "success", clock, started=10.0)
    assert list(stats.done_at["dhcp"]) == pytest.approx([10.05])
    assert list(stats.done_at["boot"]) == pytest.approx([13.0])


def test_steps_given_without_their_times_are_placed_at_the_phone_end() -> None:
    stats = FleetStatistics()
    clock = StageClock()
    clock.samples = [("dhcp", 0.05), ("boot", 3.0)]
    stats.phone_finished(13.0, "success", clock, started=10.0)
    assert list(stats.done_at["dhcp"]) == [13.0]


def test_a_step_that_slowed_down_late_in_the_run_is_drawn_late() -> None:
    stats = FleetStatistics()
    for index in range(100):
        start = index * 0.1
        slow = index >= 80  # the DHCP server slowed down for the last fifth of the run
        answer = start + (0.5 if slow else 0.01)
        clock = booted(500.0 + start, 500.0 + answer, 500.0 + answer + 0.2)
        stats.phone_started(start)
        stats.phone_finished(answer + 0.2, "success", clock, started=start)
    buckets = Buckets.covering(10.7, 100)
    series = buckets.percentiles(stats.done_at["dhcp"], stats.latencies["dhcp"], [50.0])[50.0]
    early = [v for v in series[: buckets.index(7.9)] if v is not None]
    late = [v for v in series[buckets.index(8.6) :] if v is not None]
    assert early and max(early) == pytest.approx(0.01)
    assert late and min(late) == pytest.approx(0.5)
    assert step_latency_over_time_plots(stats, buckets, ["dhcp", "boot"]).startswith("<svg")
    # The boot has its own chart: with no other step there is nothing to draw here.
    assert "<svg" not in step_latency_over_time_plots(stats, buckets, ["boot"])
