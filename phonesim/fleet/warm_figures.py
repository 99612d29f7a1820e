"""A fleet's cold and warm phones apart: a power-restore storm is judged by both.

Warm phones skip discovery and the PIN, so a pool's figures mix two kinds of boot;
each kind gets its own counts and exact percentiles per step, and the warm phones
whose kept certificate did not serve are counted by why.
"""

from __future__ import annotations

from array import array
from collections import Counter
from typing import Any

from phonesim.fleet.stage_clock import STAGES
from phonesim.fleet.statistics import PhoneSteps, latency_summary
from phonesim.fleet.warm_plan import COLD, WARM, WARM_NO_CACHE, WARM_PIN


class KindFigures:
    """Cold or warm phones' counts and step latencies."""

    def __init__(self) -> None:
        self.outcomes: Counter[str] = Counter()
        self.latencies: dict[str, array[float]] = {stage: array("d") for stage in STAGES}
        self.started = 0

    def finished(self, outcome: str, steps: PhoneSteps) -> None:
        self.outcomes[outcome] += 1
        for stage, seconds in steps.samples:
            self.latencies[stage].append(seconds)

    def summary(self) -> dict[str, Any]:
        finished = sum(self.outcomes.values())
        return {
            "phones_started": self.started,
            "phones_finished": finished,
            "succeeded": self.outcomes["success"],
            "failed": finished - self.outcomes["success"],
            "outcomes": dict(self.outcomes.most_common()),
            "latency_seconds": {
                stage: found
                for stage in STAGES
                if (found := latency_summary(self.latencies[stage])) is not None
            },
        }


class WarmSplit:
    def __init__(self) -> None:
        self.kinds = {COLD: KindFigures(), WARM: KindFigures()}
        self.warm_as: Counter[str] = Counter()
        """Warm phones by how they signed in: warm, warm-pin, warm-no-cache."""
        self.fell_back: Counter[str] = Counter()
        """Why warm phones asked for their PIN (certificate_expired, certificate_refused)."""

    def started(self, kind: str) -> None:
        self.kinds[COLD if kind == COLD else WARM].started += 1

    def finished(self, kind: str, outcome: str, steps: PhoneSteps, fell_back: str | None) -> None:
        self.kinds[COLD if kind == COLD else WARM].finished(outcome, steps)
        if kind != COLD:
            self.warm_as[kind] += 1
        if fell_back is not None:
            self.fell_back[fell_back] += 1

    def summary(self) -> dict[str, Any]:
        warm = self.kinds[WARM].summary()
        warm["signed_in_as"] = {k: self.warm_as[k] for k in (WARM, WARM_PIN, WARM_NO_CACHE)}
        warm["fell_back_to_pin"] = dict(self.fell_back.most_common())
        return {COLD: self.kinds[COLD].summary(), WARM: warm}
