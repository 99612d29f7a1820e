"""Scenario files written by users: read as data, and every mistake named by file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from phonesim.errors import LabDataError
from phonesim.lab.lab_plan import LabPlan
from phonesim.lab.layout import LabLayout
from phonesim.lab.scenario import LabScenario, catalogue, load_scenario, load_scenario_text

EXAMPLES = Path(__file__).parents[2] / "examples" / "scenarios"


def error_of(text: str) -> str:
    with pytest.raises(LabDataError) as caught:
        load_scenario_text(text, name="t", source="site-a.toml")
    return str(caught.value)


def test_a_wrong_value_names_file_line_and_field() -> None:
    text = '[scenario]\nsummary = "x"\n\n[[dhcp.server]]\n\n[[dhcp.server]]\ndelay = "slow"\n'
    assert error_of(text) == "site-a.toml: line 7: field 'dhcp.server[2].delay' must be a number"


def test_a_misspelt_field_is_refused_with_the_known_ones() -> None:
    message = error_of('[scenario]\nsummary = "x"\n[registrar]\nstate = "up"\ndelai = 1\n')
    assert message.startswith("site-a.toml: line 5: field 'registrar.delai' is not known here")
    assert "delay" in message


def test_bad_hex_points_at_the_character() -> None:
    message = error_of('[scenario]\nsummary = "x"\n[[dhcp.server]]\noption_120_hex = "00 0g"\n')
    assert message == (
        "site-a.toml: line 4: field 'dhcp.server[1].option_120_hex' is not hex: "
        "'g' is not a hex digit"
    )


def test_a_toml_syntax_error_keeps_tomllib_position() -> None:
    assert "line 2" in error_of('[scenario]\nsummary = "x\n')


def test_a_pin_in_a_scenario_is_never_echoed() -> None:
    message = error_of(
        '[scenario]\nsummary = "x"\n[[webticket.user]]\nextension = "5551234"\npin = "12a45"\n'
    )
    assert "line 5" in message and "12a45" not in message


def test_an_unknown_scenario_name_says_where_to_look() -> None:
    with pytest.raises(LabDataError, match="phonesim scenarios"):
        load_scenario("no-such-fault")


def test_every_shipped_scenario_reads_and_says_what_it_expects() -> None:
    for name in catalogue():
        scenario = load_scenario(name)
        assert scenario.summary and scenario.expect is not None, name


def test_a_user_scenario_file_from_examples_runs_as_written(tmp_path: Path) -> None:
    scenario = load_scenario(EXAMPLES / "branch-office-ios.toml")
    assert scenario.name == "branch-office-ios"
    plan = LabPlan(LabLayout(web_name=scenario.web_name, pool_name=scenario.pool_name), scenario)
    (server,) = plan.dhcp_servers()
    options = dict(server.options)
    assert len(options[43]) == 90  # what Cisco IOS keeps of option 43 hex


def test_healthy_defaults_need_no_file() -> None:
    scenario = LabScenario.healthy()
    assert scenario.dhcp_servers and scenario.registrar.state == "up"


@pytest.mark.parametrize(
    ("registrar", "field"),
    [
        ('state = "overloaded"', "registrar.state"),
        ('redirect = { pool01 = "pool..02" }', "registrar.redirect.pool01"),
        ('refuse_register = "everyone"', "registrar.refuse_register"),
        ('server_signature = "none"', "registrar.server_signature"),
        ('trusts_client_ca = "no"', "registrar.trusts_client_ca"),
        ("retry_after = -5", "registrar.retry_after"),
    ],
)
def test_a_wrong_registrar_role_or_fault_is_named(registrar: str, field: str) -> None:
    message = error_of(f'[scenario]\nsummary = "x"\n[registrar]\n{registrar}\n')
    assert f"field '{field}'" in message, message


def test_directors_and_home_pools_get_names_in_the_lab_dns_and_the_certificate() -> None:
    scenario = load_scenario("director-redirect")
    plan = LabPlan(LabLayout(), scenario)
    assert plan.registrar_roles() == {
        "pool01.phonesim.test": "pool02.phonesim.test",
        "pool02.phonesim.test": None,
    }
    assert plan.zone().a["pool02.phonesim.test"] == ["127.0.0.1"]
    assert "pool02.phonesim.test" in plan.registrar_names()
