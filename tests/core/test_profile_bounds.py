"""The bounds on what a server controls are profile values: defaults when absent, a
clear error naming the field when out of range."""

from __future__ import annotations

import tomllib

import pytest

from phonesim.core.profile import DeviceProfile
from phonesim.drivers.sip_client import sip_limits
from phonesim.drivers.web_bounds import WebLimits
from phonesim.errors import ProfileError
from phonesim.profiles import available_profiles


def _data() -> dict:
    return tomllib.loads(available_profiles()["polycom-cx600"].read_text())


def test_absent_bounds_take_their_defaults() -> None:
    profile = DeviceProfile.from_mapping(_data(), "test.toml")
    assert WebLimits.of(profile.web) == WebLimits()
    assert sip_limits(profile.sip).max_headers == 64
    assert profile.dhcp.max_answers == 64


def test_a_bound_set_in_the_profile_reaches_the_drivers() -> None:
    data = _data()
    data["web"].update(max_answer_bytes=2048, request_deadline=5.0, max_xml_depth=12)
    data["sip"]["max_header_line"] = 100
    profile = DeviceProfile.from_mapping(data, "test.toml")
    limits = WebLimits.of(profile.web)
    assert (limits.max_answer_bytes, limits.request_deadline, limits.max_xml_depth) == (
        2048,
        5.0,
        12,
    )
    assert sip_limits(profile.sip).max_header_line == 100


@pytest.mark.parametrize(
    ("table", "field", "value"),
    [("web", "max_answer_bytes", 0), ("sip", "max_headers", -1), ("dhcp", "max_answers", "many")],
)
def test_a_bad_bound_names_its_field(table: str, field: str, value: object) -> None:
    data = _data()
    data[table][field] = value
    with pytest.raises(ProfileError, match=f"{table}.{field}"):
        DeviceProfile.from_mapping(data, "test.toml")
