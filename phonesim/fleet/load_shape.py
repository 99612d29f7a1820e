"""When each phone of a fleet powers on: a rate, a ramp up to it, a cap on phones in flight."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from phonesim.errors import UsageError
from phonesim.fleet.stop_reason import COMPLETED, DURATION

_RATE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(?:/\s*(s|sec|second|m|min|minute))?\s*$")
_DURATION = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")


def parse_rate(text: str) -> float | None:
    """`200/s`, `50`, `600/m`; `max` (None) for as fast as the machine goes."""
    if text.strip().lower() == "max":
        return None
    match = _RATE.match(text)
    if not match:
        raise UsageError(f"--rate {text!r}: give phones per second, e.g. 200/s, 600/m, or max")
    value = float(match.group(1))
    if value <= 0:
        raise UsageError(f"--rate {text!r}: must be more than 0 phones per second (or max)")
    return value / 60 if (match.group(2) or "s").startswith("m") else value


DURATION_EXAMPLES = "90s, 10m, 2h or 500ms"
"""The durations every option that takes one shows, in its help and its errors alike."""


def parse_duration(text: str, option: str = "--duration", *, zero: bool = False) -> float:
    """`90s`, `10m`, `2h`, `500ms` (a bare number is seconds); `zero`: whether 0 is allowed."""
    match = _DURATION.match(text)
    if not match:
        raise UsageError(
            f"{option} {text!r}: give a duration such as {DURATION_EXAMPLES} "
            "(a bare number is seconds)"
        )
    unit = match.group(2) or "s"
    seconds = float(match.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]
    if seconds < 0 or (seconds == 0 and not zero):
        must = "not be negative" if zero else "be more than 0"
        raise UsageError(f"{option} {text!r}: must {must}, e.g. {DURATION_EXAMPLES}")
    return seconds


@dataclass(frozen=True)
class LoadShape:
    phones: int | None
    """How many phones power on; None: as many as `duration` allows."""
    rate: float | None
    """Phones per second at full rate; None: all at once (within `concurrency`)."""
    ramp: float = 0.0
    """Seconds over which the rate grows linearly from 0 to `rate`."""
    duration: float | None = None
    """Stop powering on phones after this many seconds."""
    concurrency: int | None = None
    """At most this many phones booting at once."""

    def __post_init__(self) -> None:
        if self.phones is None and self.duration is None:
            raise UsageError("say how many phones (--phones) or for how long (--duration)")
        if self.phones is not None and self.phones < 1:
            raise UsageError("--phones must be at least 1")
        if self.concurrency is not None and self.concurrency < 1:
            raise UsageError("--concurrency must be at least 1")
        if self.ramp < 0:
            raise UsageError("--ramp must not be negative")

    def start_offset(self, index: int) -> float:
        """Seconds after the fleet starts at which phone `index` powers on."""
        if self.rate is None:
            return 0.0
        ramp_phones = self.rate * self.ramp / 2
        if index < ramp_phones:
            return math.sqrt(2 * self.ramp * index / self.rate)
        return self.ramp + (index - ramp_phones) / self.rate

    def admits(self, index: int) -> bool:
        """Whether phone `index` powers on at all."""
        return self.end_of_arrivals(index) is None

    def end_of_arrivals(self, index: int) -> str | None:
        """None if phone `index` powers on; otherwise which limit came first:
        `completed` (--phones reached) or `duration` (its start is past --duration)."""
        if self.phones is not None and index >= self.phones:
            return COMPLETED
        if self.duration is not None and self.start_offset(index) >= self.duration:
            return DURATION
        return None

    @property
    def planned(self) -> int:
        """Phones that will power on (an upper bound, for sizing identities)."""
        if self.phones is not None:
            return self.phones
        assert self.duration is not None
        if self.rate is None:
            raise UsageError("--duration needs a --rate (or give --phones)")
        ramp = min(self.ramp, self.duration)
        count = self.rate * ramp * ramp / (2 * self.ramp) if self.ramp else 0.0
        count += self.rate * max(0.0, self.duration - self.ramp)
        return max(1, math.ceil(count))
