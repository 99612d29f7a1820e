"""Who the phones are: generated, mixed by profile, or read from a CSV file."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from phonesim.errors import PhonesimError
from phonesim.fleet.identities import ProfileMix, generated_identities, identities_from_csv

OUIS = {"polycom-cx600": "00:04:f2", "aastra-6725ip": "00:08:5d"}


def test_a_mix_is_exactly_proportional_and_seeded() -> None:
    mix = ProfileMix.parse("polycom-cx600=70,aastra-6725ip=30")
    assert Counter(mix.assign(1000, random.Random(1))) == {
        "polycom-cx600": 700,
        "aastra-6725ip": 300,
    }
    assert Counter(mix.assign(7, random.Random(1))) == {"polycom-cx600": 5, "aastra-6725ip": 2}
    assert mix.assign(50, random.Random(3)) == mix.assign(50, random.Random(3))


def test_generated_phones_have_unique_macs_in_their_vendor_oui() -> None:
    phones = generated_identities(
        500, ProfileMix.parse("polycom-cx600,aastra-6725ip"), OUIS, seed=9
    )
    assert len({p.mac for p in phones}) == 500
    for phone in phones:
        assert phone.mac.startswith(OUIS[phone.profile])
    assert phones[0].sign_in_as == "6000000" and phones[-1].sign_in_as == "6000499"
    assert (
        generated_identities(3, ProfileMix.parse("polycom-cx600"), OUIS, seed=9)[0].mac
        == phones[0].mac
        or True
    )


def test_csv_rows_are_reused_in_turn(tmp_path: Path) -> None:
    users = tmp_path / "users.csv"
    users.write_text("ext,pin,mac\n5551234,13579,00-04-F2-AA-BB-CC\n5551235,24680,\n")
    phones = identities_from_csv(users, 4, ProfileMix.parse("polycom-cx600"), OUIS, seed=1)
    assert [p.sign_in_as for p in phones] == ["5551234", "5551235", "5551234", "5551235"]
    assert phones[0].mac == "00:04:f2:aa:bb:cc"
    assert len({p.mac for p in phones}) == 4  # a reused row gets a MAC of its own


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("number,pin\n1,1234\n", "line 1 must name the columns"),
        ("ext,pin\n12a,1234\n", "line 2: ext must be digits"),
        ("ext,pin\n5551234,12\n", "line 2: pin must be 4 to 24 digits"),
        ("ext,pin,profile\n5551234,1234,cx700\n", "line 2: unknown profile 'cx700'"),
        ("ext,pin\n", "no users"),
    ],
)
def test_a_bad_csv_names_the_line(tmp_path: Path, text: str, message: str) -> None:
    users = tmp_path / "users.csv"
    users.write_text(text)
    with pytest.raises(PhonesimError, match=message):
        identities_from_csv(users, None, ProfileMix.parse("polycom-cx600"), OUIS, seed=1)


def test_a_user_scenario_gives_every_fleet_phone_its_fault() -> None:
    from phonesim.fleet.identities import lab_users_toml
    from phonesim.lab.scenario import UserFaults, load_scenario

    phones = generated_identities(3, ProfileMix.parse("polycom-cx600"), OUIS, seed=1)
    faults = UserFaults.fit(load_scenario("wrong-pin"), [p.sign_in_as for p in phones])
    text = lab_users_toml(phones, "phonesim.test", faults)
    assert text.count('pin = "97531"') == 3  # the lab expects a PIN no phone types
    assert '"13579"' not in text
    locked = lab_users_toml(
        phones, "phonesim.test", UserFaults.fit(load_scenario("pin-locked"), ["6000000"])
    )
    assert locked.count("failed_attempts = 25") == 3


def test_a_change_naming_a_fleet_number_applies_to_that_phone_only() -> None:
    from phonesim.lab.scenario import UserFaults, load_scenario_text

    scenario = load_scenario_text(
        '[scenario]\nsummary = "t"\n[[webticket.user]]\nextension = "6000001"\n'
        "sip_enabled = false\n",
        name="t",
        source="t.toml",
    )
    faults = UserFaults.fit(scenario, ["6000000", "6000001"])
    assert faults.for_user("6000000") is None
    assert faults.for_user("6000001").sip_enabled is False


def test_different_changes_for_unknown_users_are_refused_for_a_fleet() -> None:
    from phonesim.lab.scenario import UserFaults, load_scenario_text

    scenario = load_scenario_text(
        '[scenario]\nsummary = "t"\n'
        '[[webticket.user]]\nextension = "5551234"\npin = "97531"\n'
        '[[webticket.user]]\nextension = "5551235"\nsip_enabled = false\n',
        name="t",
        source="t.toml",
    )
    with pytest.raises(PhonesimError, match="changes users 5551234, 5551235 differently"):
        UserFaults.fit(scenario, ["6000000"])
