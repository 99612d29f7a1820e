"""Exact percentiles: every sample counts, nothing is bucketed."""

from __future__ import annotations

import math
import random
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from phonesim.fleet.stage_clock import STAGES, StageClock
from phonesim.fleet.statistics import FleetStatistics, nearest_rank


def test_nearest_rank_on_a_known_set() -> None:
    ordered = [float(v) for v in range(1, 1001)]  # 1..1000 ms
    assert nearest_rank(ordered, 50) == 500
    assert nearest_rank(ordered, 99) == 990
    assert nearest_rank(ordered, 99.9) == 999
    assert nearest_rank(ordered, 100) == 1000


@given(
    st.lists(st.floats(min_value=0, max_value=1e4, allow_nan=False), min_size=1, max_size=300),
    st.sampled_from([50.0, 90.0, 99.0, 99.9]),
)
def test_nearest_rank_is_a_sample_with_the_right_share_below(
    values: list[float], percent: float
) -> None:
    ordered = sorted(values)
    value = nearest_rank(ordered, percent)
    assert value in values
    at_or_below = sum(1 for v in values if v <= value)
    rank = math.ceil(Fraction(str(percent)) * len(values) / 100)
    assert at_or_below >= rank
    below = sum(1 for v in values if v < value)
    assert below < rank


def test_microsecond_resolution_survives_and_no_float_noise_is_reported() -> None:
    # Trace times are whole microseconds; a step's latency is a difference of two.
    stats = FleetStatistics()
    rng = random.Random(4)
    samples = [round(0.1 + rng.randrange(1000) * 1e-6, 6) - 0.05 for _ in range(1000)]
    clock = StageClock()
    clock.samples = [("dhcp", s) for s in samples]
    stats.phone_finished(0.0, "success", clock)
    summary = stats.stage_summary("dhcp")
    assert summary["p99"] == round(sorted(samples)[989], 6)
    assert all(len(repr(summary[k]).partition(".")[2]) <= 6 for k in ("p50", "mean", "max"))


def test_every_step_accounts_for_every_phone_whatever_the_stage() -> None:
    from phonesim.core.commands import Trace

    stats = FleetStatistics("discovery")
    for _ in range(3):
        clock = StageClock()
        for t, stage, event in (
            (0.0, "boot", "power_on"),
            (0.0, "dhcp", "inform_sent"),
            (0.0, "dns", "query"),
            (0.003, "dhcp", "answer"),
            (0.003, "discovery", "stopped_as_asked"),
        ):
            clock.observe(Trace(t, stage, event, {}, "info"))
        stats.phone_finished(0.01, "success", clock)
    failed = StageClock()
    failed.observe(Trace(0.0, "boot", "power_on", {}, "info"))
    failed.observe(Trace(0.0, "dhcp", "inform_sent", {}, "info"))
    failed.observe(Trace(9.0, "dhcp", "failed", {"reason": "dhcp.timeout"}, "error"))
    stats.phone_finished(9.0, "dhcp.timeout", failed)
    steps = stats.summary()["steps"]
    # Every step but the lease, which only phones that take their own leases plan.
    assert list(steps) == [stage for stage in STAGES if stage != "lease"]
    assert list(FleetStatistics("lease").summary()["steps"]) == list(STAGES)
    assert steps["dns"]["not_needed"] == 3 and steps["dns"]["ok"] == 0
    assert steps["dns"]["not_reached"] == {"failed_before": 1}
    assert steps["time"]["not_reached"] == {"stopped_as_asked": 3, "failed_before": 1}
    for step in steps.values():
        assert step["phones"] + sum(step["not_reached"].values()) == 4


def test_a_step_a_phone_never_ran_is_stopped_as_asked_only_past_the_fleets_stage() -> None:
    from phonesim.core.commands import Trace

    def booted(stats: FleetStatistics, traces: list[tuple[str, str]]) -> None:
        clock = StageClock()
        for stage, event in traces:
            clock.observe(Trace(0.0, stage, event, {}, "info"))
        stats.phone_finished(0.01, "success", clock)

    storm = FleetStatistics("dhcp")
    booted(storm, [("boot", "power_on"), ("dhcp", "inform_sent"), ("dhcp", "answer")])
    cached = FleetStatistics("registrar")
    # A phone from its discovery cache skips DHCP and DNS, then stops at the time step.
    booted(cached, [("boot", "power_on"), ("time", "query")])
    storm_steps, cached_steps = storm.summary()["steps"], cached.summary()["steps"]
    assert storm_steps["dns"]["not_reached"] == {"stopped_as_asked": 1}
    assert storm_steps["registrar"]["not_reached"] == {"stopped_as_asked": 1}
    assert cached_steps["dhcp"]["not_reached"] == {"skipped": 1}
    assert cached_steps["registrar"]["not_reached"] == {"skipped": 1}


def test_a_held_phones_boot_is_placed_in_time_where_its_sign_in_ended() -> None:
    """Latency over time puts each boot at its end: for a held phone, the hold's start,
    not the sign-out 30 s later."""
    from phonesim.core.commands import Trace

    stats = FleetStatistics("provisioning", held=True)
    clock = StageClock()
    for t, stage, event in (
        (0.0, "boot", "power_on"),
        (0.4, "held", "began"),
        (30.4, "held", "signed_out"),
    ):
        clock.observe(Trace(t, stage, event, {"registrar": "pool"}, "info"))
    stats.phone_finished(32.0, "success", clock, started=1.6)
    assert list(stats.latencies["boot"]) == [0.4]
    assert list(stats.boot_done_at) == [2.0]
