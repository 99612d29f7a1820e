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

    def spans(self) -> dict[str, float]:
        """Per step, from its first start to its last end: how long the boot was in it.

        Steps of one kind run side by side (the SRV and A queries), so their durations
        are not summed; a span is what the phone waited on that kind of step.
        """
        first: dict[str, float] = {}
        last: dict[str, float] = {}
        for bar in self.bars:
            first[bar.step] = min(first.get(bar.step, bar.start), bar.start)
            last[bar.step] = max(last.get(bar.step, bar.end), bar.end)
        return {step: round(last[step] - first[step], 6) for step in first}


__all__ = ["StepBar", "Waterfall"]
