"""What a fleet's held phones did: registered phones over time, what kept them registered,
and how each hold ended.

A phone is registered from its hold's start (signed in and provisioned) until it
signed out, failed or was cut; the series is that count over the run. Keep-alives
are counted here as the driver writes them, with how late each left against the
phone's own deadline: a fleet whose event loop is too busy to write its CRLFs on
time is one the registrar will drop, whatever its sign-in figures say. Refreshes
and re-handshakes are the stage clock's steps (`HELD_STEPS`), counted there with
their round trips.
"""

from __future__ import annotations

from array import array
from collections import Counter
from typing import Any

from phonesim.fleet.stage_clock import SIGN_OUT, StageClock
from phonesim.fleet.statistics import latency_summary, micro
from phonesim.fleet.time_series import Buckets

SIGNED_OUT = "signed_out"
"""The sign-out REGISTER (Expires 0) was answered 200, signed."""
SIGN_OUT_FAILED = "sign_out_failed"
"""The hold ran its course (or was ended by Ctrl-C) but the sign-out failed."""
FAILED = "failed"
"""The hold itself failed (refresh refused, connection lost...): by reason in `failures`."""
CUT = "cut"
"""The fleet ended the phone while held (a second Ctrl-C, SIGTERM, the lab gone): never
signed out."""
ENDINGS = (SIGNED_OUT, SIGN_OUT_FAILED, FAILED, CUT)


class HoldFigures:
    __slots__ = (
        "cut_short",
        "ended",
        "ended_at",
        "failures",
        "held_at",
        "held_for",
        "hold",
        "keep_alive_lateness",
        "signed_in_last",
        "so_far",
    )

    def __init__(self, hold: float) -> None:
        self.hold = hold
        self.held_at: array[float] = array("d")
        """When each phone's hold began (seconds since the fleet's start), in order."""
        self.ended_at: array[float] = array("d")
        """When each hold ended, in order."""
        self.ended: Counter[str] = Counter()
        """Holds by how they ended (`ENDINGS`)."""
        self.failures: Counter[str] = Counter()
        """Holds that failed or whose sign-out failed, by the phone's failure name."""
        self.keep_alive_lateness: array[float] = array("d")
        """For each CRLF keep-alive: seconds from the phone's deadline to its writing."""
        self.so_far: Counter[str] = Counter()
        """Held events by name as they happen, for the live dashboard (the stage clock's
        figures reach the statistics only when each phone ends)."""
        self.held_for: array[float] = array("d")
        """How long each phone that finished its hold was held: less than `hold` when
        something cut the hold short."""
        self.cut_short: Counter[str] = Counter()
        """Holds cut short before their time (then signed out), by what cut them."""
        self.signed_in_last = 0.0
        """When the last phone's sign-in ended (its hold began, or it failed unheld), in
        seconds since the fleet's start: a held fleet's rate of sign-ins counts to here,
        not to the holds' end."""

    @property
    def registered(self) -> int:
        """Phones registered now: held and not yet ended."""
        return len(self.held_at) - len(self.ended_at)

    def began(self, at: float) -> None:
        self.held_at.append(at)
        self.signed_in_last = max(self.signed_in_last, at)

    def never_held(self, at: float) -> None:
        """A phone ended without a hold (it failed signing in): its sign-in ended at `at`."""
        self.signed_in_last = max(self.signed_in_last, at)

    def saw(self, event: str) -> None:
        self.so_far[event] += 1

    def kept_alive(self, lateness: float) -> None:
        self.keep_alive_lateness.append(lateness)

    def finished(
        self,
        at: float,
        outcome: str,
        clock: StageClock,
        *,
        cut: bool,
        held: dict[str, Any] | None = None,
    ) -> None:
        """A held phone's boot ended: `outcome` as the fleet counts it, `cut` when the
        fleet ended it, `held` what its hold did (the phone's own summary, when it ended
        the hold itself)."""
        self.ended_at.append(at)
        if held is not None:
            self.held_for.append(held["held_for"])
            if held.get("cut_short_by"):
                self.cut_short[held["cut_short_by"]] += 1
        if outcome == "success":
            self.ended[SIGNED_OUT] += 1
        elif cut:
            self.ended[CUT] += 1
        else:
            signing_out = any(f.stage == SIGN_OUT and f.ended_boot for f in clock.failures)
            self.ended[SIGN_OUT_FAILED if signing_out else FAILED] += 1
            self.failures[outcome] += 1

    def summary(self, elapsed: float, steps: dict[str, Any]) -> dict[str, Any]:
        """summary.json's `hold`: `steps` is the summary's, for the held steps' counts."""
        buckets = Buckets.covering(max(elapsed, 0.01))
        series = buckets.in_flight(self.held_at, self.ended_at)
        return {
            "hold_seconds": self.hold,
            "held_seconds": _held_seconds(self.held_for),
            "cut_short": dict(self.cut_short.most_common()),
            "last_sign_in_seconds": micro(self.signed_in_last),
            "phones_held": len(self.held_at),
            "registered_peak": _peak(self.held_at, self.ended_at),
            "registered_over_time": {
                "bucket_seconds": buckets.size,
                "registered": [round(v, 3) for v in series],
            },
            "refreshes": steps["refresh"]["ok"],
            "keep_alives": len(self.keep_alive_lateness),
            "rehandshakes": {
                "sa_renewal": steps["sa_renewal"]["ok"],
                "forced_by_401": steps["forced_rehandshake"]["ok"],
            },
            "sign_outs": {ending: self.ended[ending] for ending in ENDINGS},
            "failures": dict(self.failures.most_common()),
            "keep_alive_lateness_seconds": _lateness(self.keep_alive_lateness),
        }


def _peak(began: array[float], ended: array[float]) -> int:
    """The most phones registered at once."""
    events = sorted([(t, 1) for t in began] + [(t, -1) for t in ended])
    peak = now = 0
    for _t, change in events:
        now += change
        peak = max(peak, now)
    return peak


def _held_seconds(samples: array[float]) -> dict[str, Any] | None:
    """The holds done: less than the hold asked for where one was cut short."""
    summary = latency_summary(samples)
    if summary is None:
        return None
    return {key: summary[key] for key in ("count", "p50", "max")} | {"min": min(samples)}


def _lateness(samples: array[float]) -> dict[str, Any] | None:
    summary = latency_summary(samples)
    if summary is None:
        return None
    return {
        "count": summary["count"],
        "p50": summary["p50"],
        "p99": summary["p99"],
        "max": summary["max"],
    } | {"mean": micro(summary["mean"])}


__all__ = ["CUT", "ENDINGS", "FAILED", "SIGNED_OUT", "SIGN_OUT_FAILED", "HoldFigures"]
