"""A fleet's figures: exact latency percentiles per step, outcomes by name, counts over time.

Percentiles are exact (nearest rank over every sample, no histogram buckets):
a load test's p99.9 is often the figure that matters, and bucketing would
round it.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Any

from phonesim.fleet.stage_clock import STAGES

PERCENTILES = (50.0, 90.0, 99.0, 99.9)


def nearest_rank(ordered: Sequence[float], percent: float) -> float:
    """The smallest sample with at least `percent` % of the samples at or below it."""
    if not ordered:
        raise ValueError("no samples")
    # Exact arithmetic: 99.9 % of 1000 samples is rank 999, not 1000 by a float's error.
    rank = max(1, math.ceil(Fraction(str(percent)) * len(ordered) / 100))
    return ordered[rank - 1]


class FleetStatistics:
    def __init__(self) -> None:
        self.latencies: dict[str, array[float]] = {stage: array("d") for stage in STAGES}
        self.outcomes: Counter[str] = Counter()
        """`success` or the failure's stable name (e.g. `webticket.pin_rejected`)."""
        self.started = 0
        self.finished_per_second: Counter[int] = Counter()
        self.failed_per_second: Counter[int] = Counter()
        self.started_per_second: Counter[int] = Counter()

    def phone_started(self, at: float) -> None:
        self.started += 1
        self.started_per_second[int(at)] += 1

    def phone_finished(self, at: float, outcome: str, samples: Iterable[tuple[str, float]]) -> None:
        self.outcomes[outcome] += 1
        self.finished_per_second[int(at)] += 1
        if outcome != "success":
            self.failed_per_second[int(at)] += 1
        for stage, seconds in samples:
            self.latencies[stage].append(seconds)

    @property
    def finished(self) -> int:
        return sum(self.outcomes.values())

    @property
    def failed(self) -> int:
        return self.finished - self.outcomes["success"]

    def stage_summary(self, stage: str) -> dict[str, Any] | None:
        samples = self.latencies[stage]
        if not samples:
            return None
        ordered = sorted(samples)
        summary: dict[str, Any] = {"count": len(ordered)}
        for percent in PERCENTILES:
            summary[f"p{percent:g}"] = nearest_rank(ordered, percent)
        summary["max"] = ordered[-1]
        summary["mean"] = math.fsum(ordered) / len(ordered)
        return summary

    def summary(self) -> dict[str, Any]:
        return {
            "phones_started": self.started,
            "phones_finished": self.finished,
            "succeeded": self.outcomes["success"],
            "failed": self.failed,
            "outcomes": dict(self.outcomes.most_common()),
            "latency_seconds": {
                stage: found for stage in STAGES if (found := self.stage_summary(stage)) is not None
            },
        }
