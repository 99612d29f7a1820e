"""A fleet's counts over time, in buckets sized to the run.

A DHCP storm of 2000 phones is over in a third of a second and a ramp test
lasts an hour; one-second buckets show the first as a single point and the
second as noise. Buckets are chosen from the run's length (about 60 of them,
on a 1-2-5 ladder), and every count is given per second, so the charts read
the same whatever the bucket.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

from phonesim.fleet.statistics import nearest_rank

TARGET_BUCKETS = 60
FEWEST_PER_BUCKET = 5
"""Phones a bucket holds on average, at least: 30 phones/s in 50 ms buckets is one or two
per bucket, drawn as a rate jumping between 20/s and 40/s while the phones came evenly."""
_LADDER = (1, 2, 5)


def bucket_seconds(span: float, events: int | None = None) -> float:
    """The smallest 1-2-5 step (10 ms at least) that cuts `span` into at most about 60,
    and, given the run's `events` (phones powered on), holds `FEWEST_PER_BUCKET` of them
    on average."""
    wanted = max(span, 1e-9) / TARGET_BUCKETS
    if events:
        wanted = max(wanted, FEWEST_PER_BUCKET * span / events)
    exponent = math.floor(math.log10(wanted))
    for power in (exponent, exponent + 1):
        for step in _LADDER:
            size = step * 10.0**power
            if size >= wanted * (1 - 1e-9):
                return round(max(size, 0.01), 6)
    return 0.01  # not reached: the ladder always climbs past `wanted`


@dataclass(frozen=True)
class Buckets:
    size: float
    count: int

    @classmethod
    def covering(cls, span: float, events: int | None = None) -> Buckets:
        size = bucket_seconds(span, events)
        return cls(size, max(1, math.ceil(span / size + 1e-9)))

    @property
    def starts(self) -> list[float]:
        return [round(i * self.size, 6) for i in range(self.count)]

    def index(self, t: float) -> int:
        return min(self.count - 1, max(0, int(t / self.size + 1e-9)))

    def rate(self, times: Sequence[float]) -> list[float]:
        """Events per second in each bucket."""
        counts = [0] * self.count
        for t in times:
            counts[self.index(t)] += 1
        return [c / self.size for c in counts]

    def in_flight(self, started: Sequence[float], ended: Sequence[float]) -> list[float]:
        """Phones booting, averaged over each bucket: a sample at the bucket's edge would
        show 0 or 1 for boots shorter than a bucket.

        A bucket's phone-seconds are F(end) - F(start), where F(x), the phone-seconds
        booted up to x, is the phones started by x times x less the sum of their start
        times, less the same for the phones ended by x: a bisection per edge, not a walk
        over every phone in Python."""
        edges = [i * self.size for i in range(self.count + 1)]
        booted = [a - b for a, b in zip(_area(started, edges), _area(ended, edges), strict=True)]
        return [(booted[i + 1] - booted[i]) / self.size for i in range(self.count)]

    def percentiles(
        self, at: Sequence[float], values: Sequence[float], percents: Sequence[float]
    ) -> dict[float, list[float | None]]:
        """Per bucket, percentiles of the values whose time `at` falls in it (None: none)."""
        grouped: list[list[float]] = [[] for _ in range(self.count)]
        for t, value in zip(at, values, strict=True):
            grouped[self.index(t)].append(value)
        result: dict[float, list[float | None]] = {p: [] for p in percents}
        for group in grouped:
            group.sort()
            for p in percents:
                result[p].append(nearest_rank(group, p) if group else None)
        return result


def _area(times: Sequence[float], edges: Sequence[float]) -> list[float]:
    """At each edge x, the sum over `times` up to x of (x - t)."""
    ordered = sorted(times)  # in order already: a linear pass
    sums = [0.0, *accumulate(ordered)]
    result = []
    for x in edges:
        count = bisect_right(ordered, x)
        result.append(count * x - sums[count])
    return result
