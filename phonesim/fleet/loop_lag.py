"""How late the fleet's own event loop runs: the delay every measured latency includes.

All phones share one event loop. When it has more work than a core can do,
every answer waits in the socket until the loop gets to it, and that wait is
counted as the server's latency: 500 full boots at --rate max showed a boot
p50 of 3388 ms against 17 ms at 37 phones/s, with nothing saying that the
fleet, not the servers, was the bottleneck. So a timer fires every
`INTERVAL` seconds and records how late it ran; its lateness is what any
answer arriving then waited on top of the network and the server.

Memory stays bounded whatever the run's length: lateness is counted in a
fixed histogram (0.1 ms steps up to 100 ms, 10 ms steps up to 10 s), and the
over-time series keeps at most `MAX_WINDOWS` windows, doubling their length
(each keeping its largest lateness) when it would hold more.
"""

from __future__ import annotations

import asyncio
from array import array
from typing import Any

INTERVAL = 0.01
"""Seconds between ticks: fine enough to see a stall of a few ticks, cheap (100 callbacks
a second against the thousands a busy fleet runs)."""

BOUND = 0.005
"""Seconds. When the loop's p90 lateness passes this, the report says the latencies
include the fleet's own delay. A fleet with time to spare stays near 1 ms (p90 1.0-1.4 ms
on this project's 2-CPU machine at 20-37 full boots or 1000 DHCP-only phones per
second); a saturated one is tens of milliseconds late (p90 90-150 ms at 500 full boots at
--rate max or 200/s), while the lab answers a DHCP INFORM in well under a millisecond."""

_FINE_STEP = 0.0001
_FINE_LIMIT = 0.1
_COARSE_STEP = 0.01
_COARSE_LIMIT = 10.0
_FINE_BINS = round(_FINE_LIMIT / _FINE_STEP)
_BINS = _FINE_BINS + round((_COARSE_LIMIT - _FINE_LIMIT) / _COARSE_STEP) + 1
MAX_WINDOWS = 600
FIRST_WINDOW = INTERVAL
"""Seconds covered by each point of the over-time series, until the run outgrows
`MAX_WINDOWS` of them (report.html draws them in the run's own buckets)."""


def _bin(late: float) -> int:
    if late < _FINE_LIMIT:
        return int(late / _FINE_STEP)
    return min(_BINS - 1, _FINE_BINS + int((late - _FINE_LIMIT) / _COARSE_STEP))


def _upper_edge(index: int) -> float:
    """The lateness a bin stands for: its upper edge, so a figure never understates."""
    if index < _FINE_BINS:
        return (index + 1) * _FINE_STEP
    return _FINE_LIMIT + (index - _FINE_BINS + 1) * _COARSE_STEP


class LoopLag:
    def __init__(self, interval: float = INTERVAL) -> None:
        self.interval = interval
        self._counts = array("L", [0]) * _BINS
        self.ticks = 0
        self.max = 0.0
        self.total = 0.0
        """Seconds of lateness summed over the ticks."""
        self.window = FIRST_WINDOW
        self.windows: array[float] = array("d")
        """The largest lateness in each window since `start`, oldest first."""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._t0 = 0.0
        self._due = 0.0

    def start(self, t0: float) -> None:
        """Tick from now on; `t0` is the run's start on the loop's clock."""
        self._loop = asyncio.get_running_loop()
        self._t0 = t0
        self._schedule(self._loop.time())

    def stop(self) -> None:
        """Stop ticking; a tick already due but not yet run is counted as late as it is."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
            assert self._loop is not None
            now = self._loop.time()
            if now >= self._due:
                self.record(now - self._t0, now - self._due)

    def _schedule(self, now: float) -> None:
        assert self._loop is not None
        self._due = now + self.interval
        self._handle = self._loop.call_at(self._due, self._tick)

    def _tick(self) -> None:
        assert self._loop is not None
        now = self._loop.time()
        self.record(now - self._t0, max(0.0, now - self._due))
        # The next tick counts from now: a stall is one late tick, not a burst of them.
        self._schedule(now)

    def record(self, at: float, late: float) -> None:
        """One tick, `late` seconds after it was due, `at` seconds into the run."""
        self._counts[_bin(late)] += 1
        self.ticks += 1
        self.total += late
        self.max = max(self.max, late)
        index = int(at / self.window)
        while index >= MAX_WINDOWS:
            self._merge()
            index = int(at / self.window)
        while len(self.windows) <= index:
            self.windows.append(0.0)
        if late > self.windows[index]:
            self.windows[index] = late

    def _merge(self) -> None:
        """Twice as long windows, each the larger of the two it joins."""
        old = self.windows
        self.windows = array("d", (max(old[i : i + 2]) for i in range(0, len(old), 2)))
        self.window *= 2

    def percentile(self, percent: float) -> float:
        """Nearest rank over the ticks, to the histogram's step (rounded up)."""
        if not self.ticks:
            return 0.0
        rank = max(1, -(-self.ticks * percent // 100))
        seen = 0
        for index, count in enumerate(self._counts):
            seen += count
            if seen >= rank:
                return min(_upper_edge(index), self.max)
        return self.max

    @property
    def saturated(self) -> bool:
        return self.ticks > 0 and self.percentile(90) > BOUND

    def summary(self) -> dict[str, Any]:
        """The figures; `None` for each when the run ended before its first tick."""
        measured = self.ticks > 0
        return {
            "interval_seconds": self.interval,
            "ticks": self.ticks,
            "p50": round(self.percentile(50), 6) if measured else None,
            "p90": round(self.percentile(90), 6) if measured else None,
            "p99": round(self.percentile(99), 6) if measured else None,
            "max": round(self.max, 6) if measured else None,
            "mean": round(self.total / self.ticks, 6) if measured else None,
            "bound_seconds": BOUND,
            "saturated": self.saturated,
            "window_seconds": self.window,
            "window_max": [round(late, 6) for late in self.windows],
        }


def loop_lag_note(loop_lag: dict[str, Any] | None) -> str | None:
    """The warning when the fleet's own process was the bottleneck."""
    if not loop_lag or not loop_lag["saturated"]:
        return None
    figures = ", ".join(f"{key} {loop_lag[key] * 1000:.1f} ms" for key in ("p50", "p90", "max"))
    return (
        f"the fleet's own process was saturated: its event loop ran late ({figures}; "
        f"bound {loop_lag['bound_seconds'] * 1000:g} ms at p90), so the latencies here include "
        "the fleet's own delay (each answer could wait that long before the fleet read it): "
        "the fleet, not the servers, was the bottleneck (a lower --rate measures the servers)"
    )
