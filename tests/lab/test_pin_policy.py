"""The lab pool's PIN lockout policy (New-CsPinPolicy defaults)."""

from __future__ import annotations

import pytest

from phonesim.codec.ocauthws.diagnostics import INCORRECT_PIN, PIN_LOCKED
from phonesim.lab.directory import LabDirectory, PinRejected
from phonesim.lab.pin_policy import PinPolicy


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def directory(clock: Clock) -> LabDirectory:
    return LabDirectory(LabDirectory.load().users, clock=clock)


def refusal(d: LabDirectory, pin: str) -> int:
    with pytest.raises(PinRejected) as caught:
        d.authenticate("5551234", pin)
    return caught.value.error_id


def test_limits_follow_the_pin_length() -> None:
    assert PinPolicy.limits(4) == (10, 100)
    assert PinPolicy.limits(5) == (25, 1000)
    assert PinPolicy.limits(8) == (25, 5000)


def test_the_local_limit_locks_even_the_right_pin_for_an_hour() -> None:
    clock = Clock()
    d = directory(clock)  # alice's PIN has 5 digits: 25 failures in 30 minutes
    for _ in range(25):
        assert refusal(d, "00000") == INCORRECT_PIN
        clock.now += 10
    assert refusal(d, "13579") == PIN_LOCKED
    clock.now += 3600
    assert d.authenticate("5551234", "13579").extension == "5551234"


def test_failures_outside_the_observation_window_are_forgotten() -> None:
    clock = Clock()
    d = directory(clock)
    for _ in range(24):
        refusal(d, "00000")
    clock.now += 31 * 60
    assert refusal(d, "00000") == INCORRECT_PIN  # the 25th, but alone in its window
    assert d.authenticate("5551234", "13579")


def test_the_global_limit_locks_until_an_admin_unlocks() -> None:
    clock = Clock()
    d = LabDirectory(LabDirectory.load().users, clock=clock, policy=PinPolicy(lockout=1.0))
    d.record_failures("5551234", 999)
    clock.now += 2 * 3600
    assert refusal(d, "00000") == INCORRECT_PIN  # the 1000th failure
    clock.now += 10 * 86400
    with pytest.raises(PinRejected, match="administrator"):
        d.authenticate("5551234", "13579")


def test_a_good_pin_clears_the_count() -> None:
    clock = Clock()
    d = directory(clock)
    for _ in range(24):
        refusal(d, "00000")
    d.authenticate("5551234", "13579")
    for _ in range(24):
        assert refusal(d, "00000") == INCORRECT_PIN
