"""summary.json's `over_time`: the figures report.html draws, in the same buckets, so a
script can plot, alert on or compare runs without parsing the page (Locust's
`--csv-full-history` and Gatling's simulation.log serve this need for theirs)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from phonesim.fleet.stage_clock import BOOT
from phonesim.fleet.statistics import FleetStatistics, micro
from phonesim.fleet.time_series import Buckets

PERCENTS = ((50.0, "p50"), (90.0, "p90"), (99.0, "p99"))


def run_buckets(elapsed: float, phones_started: int) -> Buckets:
    """The buckets of every chart and of `over_time`: one choice for page and summary."""
    return Buckets.covering(micro(elapsed), phones_started)


def over_time(statistics: FleetStatistics, elapsed: float) -> dict[str, Any]:
    buckets = run_buckets(elapsed, statistics.started)
    ended = list(zip(statistics.ended_at, statistics.ended_failed, strict=True))
    latency: dict[str, dict[str, list[float | None]]] = {}
    for stage, samples in statistics.latencies.items():
        if samples:
            # The boot as its own chart places it (a held phone's at its hold's start).
            at = statistics.boot_done_at if stage == BOOT else statistics.done_at[stage]
            series = buckets.percentiles(at, samples, [p for p, _ in PERCENTS])
            latency[stage] = {name: _rounded(series[p]) for p, name in PERCENTS}
    return {
        "bucket_seconds": buckets.size,
        "bucket_starts": buckets.starts,
        "scheduled_per_second": _rounded(buckets.rate(statistics.scheduled_at)),
        "powered_on_per_second": _rounded(buckets.rate(statistics.started_at)),
        "succeeded_per_second": _rounded(buckets.rate([t for t, bad in ended if not bad])),
        "failed_per_second": _rounded(buckets.rate([t for t, bad in ended if bad])),
        "in_flight": _rounded(buckets.in_flight(statistics.started_at, statistics.ended_at)),
        "latency_seconds": latency,
    }


def _rounded(values: Sequence[float | None]) -> list[float | None]:
    return [None if v is None else micro(v) for v in values]
