"""The lab's users: who signs in with which number and PIN."""

from __future__ import annotations

import pytest

from phonesim.errors import LabDataError
from phonesim.lab.directory import LabDirectory, PinRejected


@pytest.fixture(scope="module")
def directory() -> LabDirectory:
    return LabDirectory.load()


@pytest.mark.parametrize("username", ["5551234", "+14255551234", "14255551234", "tel:+14255551234"])
def test_extension_or_phone_number_signs_in(directory, username):
    user = directory.authenticate(username, "13579")
    assert user.sip_uri == "sip:alice@phonesim.test"
    assert user.entity == "alice@phonesim.test"


@pytest.mark.parametrize(
    ("username", "pin", "error_id"),
    [
        ("5551234", "24680", 28020),  # bob's PIN is not alice's
        ("5551234", "", 28020),
        ("9999999", "13579", 28021),
        ("", "", 28021),
        ("5551299", "11223", 28000),
    ],
)
def test_refusals_carry_their_diagnostics_id(directory, username, pin, error_id):
    with pytest.raises(PinRejected) as refused:
        directory.authenticate(username, pin)
    assert refused.value.error_id == error_id
    assert refused.value.reason


def test_shipped_users(directory):
    by_extension = {user.extension: user for user in directory.users}
    assert by_extension["5551234"].phone_number == "+14255551234"
    assert by_extension["5551235"].sip_uri == "sip:bob@phonesim.test"
    assert not by_extension["5551299"].enabled


def test_user_repr_hides_the_pin(directory):
    user = directory.authenticate("5551234", "13579")
    assert "13579" not in repr(user)
    assert "13579" not in repr(directory.users)


def _write(tmp_path, text: str):
    path = tmp_path / "users.toml"
    path.write_text(text)
    return path


GOOD = """
[[user]]
extension = "100"
phone_number = "+15550000100"
pin = "12345"
sip_uri = "sip:dave@phonesim.test"
"""


def test_a_users_file_of_ones_own(tmp_path):
    directory = LabDirectory.load(_write(tmp_path, GOOD))
    user = directory.authenticate("100", "12345")
    assert (user.display_name, user.enabled) == ("100", True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x = 1", "no [[user]] entries"),
        ("[[user", "not valid TOML"),
        (GOOD.replace('pin = "12345"', 'pin = "12a45"'), "user 1 (extension 100): field 'pin'"),
        (GOOD.replace('pin = "12345"', "pin = 12345"), "field 'pin' must be a quoted string"),
        (GOOD.replace('pin = "12345"\n', ""), "field 'pin' is missing"),
        (GOOD.replace("+15550000100", "5550000100"), "field 'phone_number' must be E.164"),
        (GOOD.replace("sip:dave", "dave"), "field 'sip_uri'"),
        (GOOD + 'sip_enabled = "yes"', "field 'sip_enabled' must be true or false"),
        (GOOD + GOOD.replace("+15550000100", "+15550000101"), "user 2 (extension 100): number 100"),
    ],
)
def test_bad_users_file_names_the_file_and_the_entry(tmp_path, text, expected):
    path = _write(tmp_path, text)
    with pytest.raises(LabDataError) as bad:
        LabDirectory.load(path)
    assert str(path) in str(bad.value)
    assert expected in str(bad.value)


def test_bad_pin_is_not_repeated_in_the_error(tmp_path):
    path = _write(tmp_path, GOOD.replace('pin = "12345"', 'pin = "98x76"'))
    with pytest.raises(LabDataError) as bad:
        LabDirectory.load(path)
    assert "98x76" not in str(bad.value)


def test_missing_users_file(tmp_path):
    with pytest.raises(LabDataError, match="cannot read users file"):
        LabDirectory.load(tmp_path / "absent.toml")
