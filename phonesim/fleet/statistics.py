"""A fleet's figures: exact latency percentiles per step, outcomes by name, counts over time.

Percentiles are exact (nearest rank over every sample, no histogram buckets):
a load test's p99.9 is often the figure that matters, and bucketing would
round it. Steps that failed are counted and timed too (time to failure), and
a step that fewer phones ran than finished says why, so that a saturated
server cannot pass for a fast one.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Any, Protocol

from phonesim.core.stage import Stage
from phonesim.fleet.failure_table import FailureTable
from phonesim.fleet.stage_clock import (
    BOOT,
    HELD_STEPS,
    INTERRUPTED,
    NOT_NEEDED,
    OK,
    REFRESH,
    SIGN_OUT,
    STAGES,
    StepFailure,
)

PERCENTILES = (50.0, 90.0, 99.0, 99.9)

FINAL_STAGE_LAST_STEP: dict[str, str] = {
    Stage.LEASE: Stage.LEASE,
    Stage.DHCP: Stage.DHCP,
    Stage.DISCOVERY: Stage.DNS,
    Stage.TIME: Stage.TIME,
    Stage.ROOTCHAIN: Stage.ROOTCHAIN,
    Stage.WEBTICKET: Stage.WEBTICKET,
    Stage.CERTPROV: Stage.CERTPROV,
    Stage.REGISTRAR: Stage.REGISTRAR,
    Stage.TLSDSK: Stage.TLSDSK,
    Stage.PROVISIONING: Stage.PROVISIONING,
}
"""The last measured step a phone runs when asked to stop after each stage (`--stage`)."""

_ORDER = {stage: index for index, stage in enumerate(STAGES)}

# Why a phone that finished never ran a step.
STOPPED_AS_ASKED = "stopped_as_asked"
"""The step comes after the `--stage` the phone was asked to stop at."""
FAILED_BEFORE = "failed_before"
INTERRUPTED_BEFORE = "interrupted_before"
SKIPPED = "skipped"
"""The phone went on, or ended well, without it."""
SUPPLIED = "supplied"
"""The root chain: its CA certificates were given (`--trust-ca`), not fetched."""
NOT_DUE = "not_due"
"""A held phone's refresh or new association: nothing called for one within its hold (a
hold shorter than the refresh interval, a registrar that kept its association)."""
NOT_REACHED_REASONS = (
    FAILED_BEFORE,
    STOPPED_AS_ASKED,
    INTERRUPTED_BEFORE,
    SKIPPED,
    SUPPLIED,
    NOT_DUE,
)


def nearest_rank(ordered: Sequence[float], percent: float) -> float:
    """The smallest sample with at least `percent` % of the samples at or below it."""
    if not ordered:
        raise ValueError("no samples")
    # Exact arithmetic: 99.9 % of 1000 samples is rank 999, not 1000 by a float's error.
    rank = max(1, math.ceil(Fraction(str(percent)) * len(ordered) / 100))
    return ordered[rank - 1]


def micro(seconds: float) -> float:
    """Seconds to the microsecond: the clock gives no more, and JSON then shows no float noise."""
    return round(seconds, 6)


def latency_summary(samples: Iterable[float]) -> dict[str, Any] | None:
    ordered = sorted(samples)
    if not ordered:
        return None
    summary: dict[str, Any] = {"count": len(ordered)}
    for percent in PERCENTILES:
        summary[f"p{percent:g}"] = micro(nearest_rank(ordered, percent))
    summary["max"] = micro(ordered[-1])
    summary["mean"] = micro(math.fsum(ordered) / len(ordered))
    return summary


class PhoneSteps(Protocol):
    """What the fleet learnt of one phone's steps (a StageClock)."""

    @property
    def samples(self) -> list[tuple[str, float]]: ...

    @property
    def failures(self) -> list[StepFailure]: ...

    @property
    def reached(self) -> set[str]: ...

    @property
    def not_needed(self) -> list[str]: ...


class ProfileFigures:
    """One device profile's share of a mixed fleet (`--mix`)."""

    __slots__ = ("boots", "outcomes")

    def __init__(self) -> None:
        self.outcomes: Counter[str] = Counter()
        self.boots: array[float] = array("d")

    def summary(self) -> dict[str, Any]:
        finished = sum(self.outcomes.values())
        return {
            "phones_finished": finished,
            "succeeded": self.outcomes["success"],
            "failed": finished - self.outcomes["success"],
            "outcomes": dict(self.outcomes.most_common()),
            "boot_latency_seconds": latency_summary(self.boots),
        }


class FleetStatistics:
    def __init__(
        self,
        final_stage: str = Stage.TLSDSK,
        *,
        held: bool = False,
        supplied_trust: bool = False,
        leased: bool = False,
    ) -> None:
        self.final_stage = final_stage
        self.leased = leased or final_stage == Stage.LEASE
        """The phones take their own leases (the bring-up): a fleet on borrowed addresses
        never plans the lease step."""
        self.held = held
        """The phones are held registered after signing in (`--hold`)."""
        self.supplied_trust = supplied_trust
        """The phones were given their root chain (`--trust-ca`): none fetches it."""
        self.latencies: dict[str, array[float]] = {stage: array("d") for stage in STAGES}
        """Steps that worked."""
        self.failed_latencies: dict[str, array[float]] = {stage: array("d") for stage in STAGES}
        """Steps that failed or timed out: how long each took to fail."""
        self.results: dict[str, Counter[str]] = {stage: Counter() for stage in STAGES}
        """Per step: ok, failed, timed_out, interrupted, not_needed (one per attempt)."""
        self.phones_ran: Counter[str] = Counter()
        self.not_reached: dict[str, Counter[str]] = {stage: Counter() for stage in STAGES}
        self.failures = FailureTable()
        self.outcomes: Counter[str] = Counter()
        """`success` or the failure's stable name (e.g. `webticket.pin_rejected`)."""
        self.started = 0
        self.started_at: array[float] = array("d")
        """Seconds since the fleet's start at which each phone powered on, in order."""
        self.scheduled_at: array[float] = array("d")
        """When the load shape wanted each phone on (same order)."""
        self.waited_for_capacity = 0
        """Phones that were due but waited for a free slot (--concurrency)."""
        self.ended_at: array[float] = array("d")
        """When each phone finished, in order (so it only grows)."""
        self.ended_failed: array[int] = array("b")
        self.boot_done_at: array[float] = array("d")
        """When each boot in `latencies["boot"]` ended (same order), for latency over time:
        a held phone's boot ends when its hold begins."""
        self.done_at: dict[str, array[float]] = {stage: array("d") for stage in STAGES}
        """When each step in `latencies` ended (same order), seconds since the fleet's
        start, for latency over time per step; the phone's end where its steps' times
        are not known."""
        self.by_profile: dict[str, ProfileFigures] = {}
        self._planned = frozenset(self.planned_steps)
        """`planned_steps`, worked out once: every phone that finishes is checked against it."""

    def phone_started(
        self, at: float, *, scheduled: float | None = None, waited: bool = False
    ) -> None:
        self.started += 1
        self.started_at.append(at)
        self.scheduled_at.append(at if scheduled is None else scheduled)
        self.waited_for_capacity += waited

    def phone_finished(
        self,
        at: float,
        outcome: str,
        steps: PhoneSteps,
        *,
        ext: str = "",
        mac: str = "",
        profile: str = "",
        started: float | None = None,
    ) -> None:
        """`started`: when the phone powered on, so that its boot is placed in time where
        it ended (a held phone's sign-in ends at its hold's start, long before `at`)."""
        self.outcomes[outcome] += 1
        self.ended_at.append(at)
        self.ended_failed.append(outcome != "success")
        figures = self.by_profile.get(profile)
        if figures is None:
            figures = self.by_profile[profile] = ProfileFigures()
        figures.outcomes[outcome] += 1
        samples = steps.samples
        # A record relayed from elsewhere may carry no step times: its steps are placed
        # at the phone's end.
        ends: list[float] = getattr(steps, "sample_ends", None) or []
        origin = started
        if origin is None or len(ends) != len(samples):
            ends, origin = [at] * len(samples), 0.0
        for (stage, seconds), end in zip(samples, ends, strict=True):
            self.latencies[stage].append(seconds)
            self.done_at[stage].append(origin + end)
            self.results[stage][OK] += 1
            if stage == BOOT:
                self.boot_done_at.append(at if started is None else started + seconds)
                figures.boots.append(seconds)
        for stage in steps.not_needed:
            self.results[stage][NOT_NEEDED] += 1
        ended_by_step = False
        for failure in steps.failures:
            self.results[failure.stage][failure.kind] += 1
            if failure.kind == INTERRUPTED:
                continue
            self.failed_latencies[failure.stage].append(failure.seconds)
            # Each failure once in the table, at the step it happened in: the boot's own
            # failure only when no step was under way (e.g. discovery found no servers).
            if failure.stage != BOOT:
                ended_by_step = ended_by_step or failure.ended_boot
                self.failures.add(failure, ext=ext, mac=mac)
            elif not ended_by_step:
                self.failures.add(failure, ext=ext, mac=mac)
        self._count_reach(outcome, steps.reached)

    def _count_reach(self, outcome: str, reached: set[str]) -> None:
        """Every step accounts for every phone that finished: it ran the step, or
        `not_reached` says why not."""
        furthest = max((_ORDER[s] for s in reached if s != BOOT), default=-1)
        planned = self._planned
        for stage in reached:
            self.phones_ran[stage] += 1
        for stage in STAGES:
            if stage in reached:
                continue
            if stage == Stage.LEASE and not self.leased:
                continue  # on borrowed addresses: no phone was to take a lease
            if _ORDER[stage] < furthest:
                why = self._went_without(stage)
            elif outcome == "fleet.interrupted":
                why = INTERRUPTED_BEFORE
            elif outcome != "success":
                why = FAILED_BEFORE
            elif stage in planned:
                why = self._went_without(stage)
            else:
                why = STOPPED_AS_ASKED
            self.not_reached[stage][why] += 1

    def _went_without(self, stage: str) -> str:
        """Why a phone that got past a step never ran it: "skipped" says too little where
        the step was supplied, or never due."""
        if stage == Stage.ROOTCHAIN and self.supplied_trust:
            return SUPPLIED
        if stage in HELD_STEPS:
            return NOT_DUE
        return SKIPPED

    @property
    def planned_steps(self) -> tuple[str, ...]:
        """The steps a phone runs when everything works, up to the fleet's `--stage`."""
        last = _ORDER[FINAL_STAGE_LAST_STEP[self.final_stage]]
        # A held phone refreshes (given a hold longer than Expires) and signs out; new
        # security associations come only with a long hold or a registrar's 401.
        held = (REFRESH, SIGN_OUT) if self.held else ()
        return tuple(
            s
            for s in STAGES
            if (_ORDER[s] <= last or s == BOOT or s in held) and (s != Stage.LEASE or self.leased)
        )

    @property
    def finished(self) -> int:
        return len(self.ended_at)

    @property
    def failed(self) -> int:
        return self.finished - self.outcomes["success"]

    def finished_since(self, at: float) -> int:
        """Phones that finished at or after `at` (for a live rate)."""
        return len(self.ended_at) - bisect_left(self.ended_at, at)

    def stage_summary(self, stage: str) -> dict[str, Any] | None:
        return latency_summary(self.latencies[stage])

    def step_summary(self, stage: str) -> dict[str, Any]:
        results = self.results[stage]
        return {
            "phones": self.phones_ran[stage],
            "ok": results[OK],
            "failed": results["failed"],
            "timed_out": results["timed_out"],
            "interrupted": results[INTERRUPTED],
            "not_needed": results[NOT_NEEDED],
            "not_reached": dict(self.not_reached[stage].most_common()),
            "latency_seconds": latency_summary(self.latencies[stage]),
            "failed_latency_seconds": latency_summary(self.failed_latencies[stage]),
        }

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
            # Every step, always: one shape whatever --stage, and the steps after it say
            # that the phones stopped as asked; the lease only for phones that take one.
            "steps": {
                stage: self.step_summary(stage)
                for stage in STAGES
                if stage != Stage.LEASE or self.leased or self.phones_ran[stage]
            },
            "failures": [row.to_json() for row in self.failures.rows()],
            "profiles": {
                name: figures.summary() for name, figures in sorted(self.by_profile.items())
            },
        }
