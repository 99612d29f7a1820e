"""When phones power on: rates, ramps, durations."""

from __future__ import annotations

import pytest

from phonesim.errors import UsageError
from phonesim.fleet.load_shape import LoadShape, parse_duration, parse_rate


def test_rates_and_durations_read_as_people_write_them() -> None:
    assert parse_rate("200/s") == 200
    assert parse_rate("600/m") == 10
    assert parse_rate("max") is None
    assert parse_duration("90s") == 90 and parse_duration("2m") == 120
    assert parse_duration("250ms") == 0.25
    with pytest.raises(UsageError, match="phones per second"):
        parse_rate("fast")
    with pytest.raises(UsageError, match="duration"):
        parse_duration("soon")


def test_a_steady_rate_spaces_phones_evenly() -> None:
    shape = LoadShape(phones=5, rate=50.0)
    assert [shape.start_offset(i) for i in range(5)] == pytest.approx([0, 0.02, 0.04, 0.06, 0.08])


def test_a_ramp_powers_on_the_area_under_the_rate() -> None:
    # Rate grows from 0 to 100/s over 10 s: 500 phones by then, then 100 more each second.
    shape = LoadShape(phones=2000, rate=100.0, ramp=10.0)
    assert shape.start_offset(0) == 0
    assert shape.start_offset(125) == pytest.approx(5.0)  # 100 * 5^2 / (2 * 10)
    assert shape.start_offset(500) == pytest.approx(10.0)
    assert shape.start_offset(600) == pytest.approx(11.0)
    offsets = [shape.start_offset(i) for i in range(2000)]
    assert offsets == sorted(offsets)


def test_a_duration_bounds_the_phones() -> None:
    shape = LoadShape(phones=None, rate=20.0, duration=3.0)
    assert shape.planned == 60
    assert shape.admits(59) and not shape.admits(60)


def test_nonsense_is_refused() -> None:
    with pytest.raises(UsageError, match="how many phones"):
        LoadShape(phones=None, rate=10.0)
    with pytest.raises(UsageError, match="at least 1"):
        LoadShape(phones=0, rate=10.0)


def test_negative_and_zero_are_refused_by_name() -> None:
    with pytest.raises(UsageError, match="--rate '-5/s': must be more than 0"):
        parse_rate("-5/s")
    with pytest.raises(UsageError, match="--duration '0s': must be more than 0"):
        parse_duration("0s")
    with pytest.raises(UsageError, match="--ramp '-1s': must not be negative"):
        parse_duration("-1s", "--ramp", zero=True)
    assert parse_duration("0s", "--ramp", zero=True) == 0
