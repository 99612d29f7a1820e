"""How closely phones powered on to the schedule the load shape set.

A load generator that falls behind its schedule offers less load than it
claims, and in bursts: a test engineer must see that before reading the
server's latencies. Lag is each phone's start minus its scheduled time; the
report warns when the 99th percentile lag passes `LAG_BOUND`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from phonesim.fleet.statistics import micro, nearest_rank
from phonesim.fleet.wording import phones

LAG_BOUND = 0.1
"""Seconds. Past this, arrivals no longer follow the schedule closely enough to call
the offered load the configured rate."""


def arrival_summary(
    started: Sequence[float],
    scheduled: Sequence[float],
    *,
    rate: float | None,
    waited_for_capacity: int,
) -> dict[str, Any]:
    """Target vs achieved arrivals; `rate` None is --rate max (no schedule to lag)."""
    count = len(started)
    last_start = max(started, default=0.0)
    last_scheduled = max(scheduled, default=0.0)
    summary: dict[str, Any] = {
        "target_per_second": rate,
        "scheduled_per_second": _per_second(count, last_scheduled) if rate else None,
        "achieved_per_second": _per_second(count, last_start),
        "lag_seconds": None,
        "lag_bound_seconds": LAG_BOUND,
        "behind_schedule": False,
        "waited_for_concurrency": waited_for_capacity,
    }
    if rate is None or not count:
        return summary
    lags = sorted(max(0.0, a - s) for a, s in zip(started, scheduled, strict=True))
    summary["lag_seconds"] = {
        "p50": micro(nearest_rank(lags, 50)),
        "p99": micro(nearest_rank(lags, 99)),
        "max": micro(lags[-1]),
    }
    summary["behind_schedule"] = nearest_rank(lags, 99) > LAG_BOUND
    return summary


def _per_second(count: int, span: float) -> float | None:
    """Phones per second over the arrival window (first to last start)."""
    if count < 2 or span <= 0:
        return None
    return round((count - 1) / span, 3)


RATE_HELD = 0.99
"""Achieved over scheduled at or above this: the average rate held, whatever single
phones' lag."""


def arrival_note(
    arrivals: dict[str, Any] | None, loop_lag: dict[str, Any] | None = None
) -> str | None:
    """A warning line when arrivals lagged their schedule: whether the average rate held
    (late phones in bursts) or fell short (less load than asked), and the cause measured:
    phones held back by --concurrency, or the fleet's own event loop running late."""
    if not arrivals or not arrivals["behind_schedule"]:
        return None
    lag = arrivals["lag_seconds"]
    achieved = arrivals["achieved_per_second"] or 0.0
    scheduled = arrivals["scheduled_per_second"] or 0.0
    rates = f"{achieved:.1f} phones/s achieved, {scheduled:.1f} scheduled"
    lateness = (
        f"lag p99 {lag['p99'] * 1000:.0f} ms, max {lag['max'] * 1000:.0f} ms "
        f"(bound {arrivals['lag_bound_seconds'] * 1000:.0f} ms)"
    )
    if scheduled and achieved >= RATE_HELD * scheduled:
        line = (
            f"arrivals ran late: {lateness}, though the average rate held ({rates}): "
            "phones powered on in bursts"
        )
    else:
        line = f"arrivals fell behind the schedule: {rates}; {lateness}"
    if arrivals["waited_for_concurrency"]:
        return line + (
            f"; {phones(arrivals['waited_for_concurrency'])} waited for a free slot (--concurrency)"
        )
    if loop_lag and loop_lag["max"] is not None and loop_lag["max"] >= lag["p99"] / 2:
        return line + (
            f"; the fleet's own event loop ran late (max {loop_lag['max'] * 1000:.0f} ms): "
            "the fleet, not the servers, held the phones back"
        )
    return line
