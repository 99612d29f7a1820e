"""A step's latency is the time a step of its kind was under way: side-by-side queries
counted once, the gap between queries not counted."""

from __future__ import annotations

from phonesim.report.step_waterfall import StepBar, Waterfall


def test_parallel_steps_count_once_and_gaps_not_at_all() -> None:
    bars = (
        StepBar("dns", 0.0, 0.010, "ok"),
        StepBar("dns", 0.002, 0.004, "ok"),  # inside the first
        StepBar("dns", 0.008, 0.006, "ok"),  # overlaps its end: 0.010..0.014 is new
        StepBar("dns", 0.100, 0.002, "ok"),  # 86 ms later, after the certificate
        StepBar("webticket", 0.020, 0.050, "failed"),
    )
    busy = Waterfall(bars, 0.2).busy()
    assert busy == {"dns": 0.016, "webticket": 0.05}
