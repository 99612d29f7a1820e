"""Counts over time in buckets sized to the run, so short storms are as readable as long ramps."""

from __future__ import annotations

import pytest

from phonesim.fleet.report_plots import _log_bins
from phonesim.fleet.time_series import Buckets, bucket_seconds


@pytest.mark.parametrize(
    ("span", "size"),
    [(0.3, 0.01), (1.7, 0.05), (6.0, 0.1), (60.0, 1.0), (3600.0, 100.0)],
)
def test_buckets_follow_the_run_length(span: float, size: float) -> None:
    assert bucket_seconds(span) == size
    assert Buckets.covering(span).count <= 61


def test_a_third_of_a_second_storm_is_not_one_point() -> None:
    starts = [i * 0.00015 for i in range(2000)]  # 2000 phones in 0.3 s
    buckets = Buckets.covering(0.3)
    rates = buckets.rate(starts)
    assert sum(1 for r in rates if r) >= 25
    assert sum(rates) * buckets.size == pytest.approx(2000)


def test_phones_in_flight_are_averaged_over_each_bucket() -> None:
    buckets = Buckets(0.1, 3)
    # One phone booting 0.05 to 0.25: half of bucket 0, all of bucket 1, half of bucket 2.
    assert buckets.in_flight([0.05], [0.25]) == pytest.approx([0.5, 1.0, 0.5])


def test_latency_percentiles_per_bucket_leave_empty_buckets_empty() -> None:
    buckets = Buckets(1.0, 3)
    series = buckets.percentiles([0.5, 0.6, 2.5], [0.1, 0.3, 0.2], [50.0, 99.0])
    assert series[50.0] == [0.1, None, 0.2]
    assert series[99.0] == [0.3, None, 0.2]


def test_one_outlier_does_not_squeeze_the_histogram_into_one_bar() -> None:
    samples = [10.0 + i * 0.01 for i in range(999)] + [10_000.0]  # ms
    bins = _log_bins(samples)
    occupied = {sum(1 for edge in bins if edge <= s) for s in samples[:-1]}
    assert len(occupied) >= 3


def test_an_even_schedule_is_drawn_even() -> None:
    # 90 phones at 30/s over 3 s: 50 ms buckets hold one or two, drawn as 20/s and 40/s.
    starts = [i / 30 for i in range(90)]
    buckets = Buckets.covering(3.0, events=90)
    assert buckets.size * 30 >= 5
    rates = buckets.rate(starts)
    assert max(rates[:-1]) - min(rates[:-1]) <= 30 * 0.2, rates
