"""A device profile is text a user writes: whatever it holds, loading it ends in the profile
or in a ProfileError naming the file (hardening review D12: a non-UTF-8 file, deep
nesting and `inf`/`nan` timeouts got through or gave tracebacks)."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any

import pytest

from phonesim.core.profile import DeviceProfile
from phonesim.errors import ProfileError
from phonesim.profiles import available_profiles, load_profile_file

SHIPPED = available_profiles()["polycom-cx600"]
EDGE_VALUES: tuple[Any, ...] = (
    math.inf,
    -math.inf,
    math.nan,
    1e308,
    10**30,
    -1,
    0,
    True,
    "²",
    "x" * 5000,
    [],
    {},
    [math.nan],
)


def _shipped() -> dict[str, Any]:
    return tomllib.loads(SHIPPED.read_text())


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (b'[device]\nname = "caf\xe9"\n', "not UTF-8"),
        (b"x = " + b"[" * 2000 + b"]" * 2000 + b"\n", "not valid TOML"),
    ],
    ids=["latin-1", "deep-nesting"],
)
def test_a_file_that_is_no_toml_profile_is_a_profile_error(
    tmp_path: Path, text: bytes, says: str
) -> None:
    path = tmp_path / "profile.toml"
    path.write_bytes(text)
    with pytest.raises(ProfileError, match=says):
        load_profile_file(path)


@pytest.mark.parametrize("value", [math.inf, math.nan, 1e9, 601.0])
@pytest.mark.parametrize("field", ["dns.timeout", "web.timeout", "sip.timeout", "time.timeout"])
def test_a_timeout_that_cannot_end_within_a_boot_is_refused(field: str, value: float) -> None:
    data = _shipped()
    section, key = field.split(".")
    data[section][key] = value
    with pytest.raises(ProfileError, match=key):
        DeviceProfile.from_mapping(data, "edited.toml")


def test_the_shipped_timeouts_still_load() -> None:
    profile = load_profile_file(SHIPPED)
    assert profile.dns.timeout == 3.0 and profile.web.timeout == 10.0


def test_every_field_given_any_edge_value_loads_or_is_a_profile_error() -> None:
    shipped = _shipped()
    refused = 0
    for section, table in shipped.items():
        for key in [*table, None]:
            for value in EDGE_VALUES:
                data = _shipped()
                if key is None:
                    data[section] = value
                else:
                    data[section][key] = value
                try:
                    profile = DeviceProfile.from_mapping(data, "edited.toml")
                except ProfileError:
                    refused += 1
                    continue
                for timeout in (profile.dns, profile.web, profile.sip, profile.time):
                    assert math.isfinite(timeout.timeout), (section, key, value)
    assert refused > 0
