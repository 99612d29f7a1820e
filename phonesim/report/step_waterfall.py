"""A boot's steps as bars on its clock, as the waterfall of `report.html` draws them.

Which event opens and closes each step is the fleet's step clock's knowledge, a layer
below the report; the bars are made there (`phonesim.probe.step_timing`) and handed in.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StepBar:
    step: str
    """The step's name as the fleet counts it: `dhcp`, `dns`, `metadata`, `webticket`..."""
    start: float
    """Seconds since power on."""
    seconds: float
    outcome: str
    """`ok`, `failed`, `timed_out` or `interrupted`. A step still under way when the boot
    ended well (a DNS query the phone no longer needed) has no end, and no bar."""
    note: str = ""

    @property
    def end(self) -> float:
        return self.start + self.seconds


@dataclass(frozen=True, slots=True)
class Waterfall:
    bars: tuple[StepBar, ...]
    """Every step but the whole boot, in the order they began."""
    total: float | None
    """Power on to the boot's end (signed in, stopped where asked, or failed); None for a
    trace that has not ended."""

    def busy(self) -> dict[str, float]:
        """Per step, the seconds during which at least one step of that kind was under way.

        Steps of one kind run side by side (the SRV and A queries at power on) and apart
        (the pool's A query after the certificate): a sum would count the first twice, a
        span from first to last would count the time between as DNS.
        """
        intervals: dict[str, list[tuple[float, float]]] = {}
        for bar in self.bars:
            intervals.setdefault(bar.step, []).append((bar.start, bar.end))
        return {step: round(_union(spans), 6) for step, spans in intervals.items()}


def _union(intervals: list[tuple[float, float]]) -> float:
    total = 0.0
    covered_to = float("-inf")
    for start, end in sorted(intervals):
        if end <= covered_to:
            continue
        total += end - max(start, covered_to)
        covered_to = end
    return total


__all__ = ["StepBar", "Waterfall"]
