"""A held phone's steps read off its trace, and how each hold ended in the fleet's count:
signed out, sign-out failed, hold failed (by name) or cut."""

from __future__ import annotations

import pytest

from phonesim.fleet.hold_figures import HoldFigures
from tests.fleet.test_stage_clock import feed

SIGNED_IN = (
    (0.0, "boot", "power_on", "info", {}),
    (2.0, "held", "began", "info", {"registrar": "pool"}),
)


def reregistering(t: float, why: str) -> tuple:
    return (t, "held", "reregistering", "info", {"registrar": "pool", "why": why})


def test_each_held_register_is_timed_from_leaving_to_its_answer() -> None:
    clock = feed(
        *SIGNED_IN,
        reregistering(10.0, "refresh"),
        (10.02, "held", "refreshed", "info", {}),
        reregistering(20.0, "refresh"),  # the registrar forgot the association: 401
        (20.3, "held", "rehandshaked", "info", {}),
        reregistering(30.0, "new_association"),  # the phone's own renewal
        (30.2, "held", "rehandshaked", "info", {}),
        reregistering(40.0, "sign_out"),
        (40.01, "held", "signed_out", "info", {}),
    )
    # A held phone's boot ends when its hold begins.
    assert [step for step, _ in clock.samples] == [
        "boot",
        "refresh",
        "forced_rehandshake",
        "sa_renewal",
        "sign_out",
    ]
    assert [seconds for _, seconds in clock.samples] == pytest.approx([2.0, 0.02, 0.3, 0.2, 0.01])
    assert {"refresh", "forced_rehandshake", "sa_renewal", "sign_out"} <= clock.reached
    assert clock.failures == []


def test_holds_end_signed_out_failed_in_the_sign_out_failed_or_cut() -> None:
    figures = HoldFigures(60.0)
    for at in (1.0, 2.0, 3.0, 4.0):
        figures.began(at)
    assert figures.registered == 4
    figures.finished(61.0, "success", feed(*SIGNED_IN), cut=False)
    signing_out = feed(*SIGNED_IN, reregistering(62.0, "sign_out"))
    signing_out.close(62.5, "timed_out", "held.no_answer", "no answer")
    figures.finished(62.5, "held.no_answer", signing_out, cut=False)
    refreshing = feed(*SIGNED_IN, reregistering(30.0, "refresh"))
    refreshing.close(30.1, "failed", "held.connection_lost", "the connection broke")
    figures.finished(30.1, "held.connection_lost", refreshing, cut=False)
    figures.finished(40.0, "fleet.interrupted", feed(*SIGNED_IN), cut=True)
    figures.kept_alive(0.001)
    assert figures.registered == 0
    summary = figures.summary(70.0, steps(refresh=3, sa_renewal=1, forced_rehandshake=2))
    assert summary["sign_outs"] == {"signed_out": 1, "sign_out_failed": 1, "failed": 1, "cut": 1}
    assert summary["failures"] == {"held.no_answer": 1, "held.connection_lost": 1}
    assert summary["phones_held"] == summary["registered_peak"] == 4
    assert summary["refreshes"] == 3
    assert summary["rehandshakes"] == {"sa_renewal": 1, "forced_by_401": 2}
    assert summary["keep_alives"] == summary["keep_alive_lateness_seconds"]["count"] == 1
    series = summary["registered_over_time"]
    assert max(series["registered"]) == pytest.approx(4, abs=0.5)
    assert series["registered"][-1] == 0


def steps(**ok: int) -> dict:
    return {name: {"ok": count} for name, count in ok.items()}
