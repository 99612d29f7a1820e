"""`--json` on `scenarios`, `profiles` and `lab`, with the shapes the README documents;
a mistyped option is reported with the usage of the command it was given to."""

from __future__ import annotations

import json
import selectors
import subprocess
import sys
from pathlib import Path

import pytest

from phonesim.cli import COMMAND_MODULES, main
from phonesim.lab.scenario import catalogue

REPO = Path(__file__).resolve().parents[2]
SCENARIO_KEYS = {"name", "summary", "symptom", "hold_seconds", "expect"}
EXPECT_KEYS = {"result", "stage", "reason", "finding"}
PROFILE_KEYS = {
    "name",
    "vendor",
    "model",
    "firmware",
    "mac_oui",
    "user_agent",
    "sign_in_methods",
    "file",
}


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_scenarios_json_lists_the_catalogue(capsys) -> None:
    listed = run_json(capsys, "scenarios", "--json")
    assert isinstance(listed, list)
    assert [entry["name"] for entry in listed] == list(catalogue())
    for entry in listed:
        assert set(entry) == SCENARIO_KEYS
        assert entry["expect"] is None or set(entry["expect"]) == EXPECT_KEYS
    by_name = {entry["name"]: entry for entry in listed}
    # A fault that shows only on a held phone says how long to hold it; others say null.
    assert by_name["association-ended-early"]["hold_seconds"] == 40
    assert by_name["wrong-pin"]["hold_seconds"] is None
    assert by_name["wrong-pin"]["expect"] == {
        "result": "Failure",
        "stage": "webticket",
        "reason": "webticket.pin_rejected",
        "finding": "webticket.pin_rejected",
    }


def test_scenarios_show_json_is_that_one_entry(capsys) -> None:
    entry = run_json(capsys, "scenarios", "--show", "certprov-404", "--json")
    assert isinstance(entry, dict) and set(entry) == SCENARIO_KEYS
    assert entry["name"] == "certprov-404"
    assert entry["expect"]["finding"] == "certprov.not_found"


def test_profiles_json_lists_the_profiles(capsys) -> None:
    listed = run_json(capsys, "profiles", "--json")
    assert isinstance(listed, list)
    by_name = {entry["name"]: entry for entry in listed}
    assert set(by_name) == {"polycom-cx600", "polycom-cx600-cu7", "aastra-6725ip"}
    for entry in listed:
        assert set(entry) == PROFILE_KEYS
        assert Path(entry["file"]).is_file()
    assert by_name["polycom-cx600"]["mac_oui"] == "00:04:f2"
    assert by_name["polycom-cx600"]["sign_in_methods"] == ["pin"]


def test_lab_json_prints_the_endpoints_once_ready(tmp_path: Path) -> None:
    endpoints_file = tmp_path / "lab.json"
    lab = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "phonesim",
            "lab",
            "--json",
            "--endpoints-file",
            str(endpoints_file),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        assert lab.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(lab.stdout, selectors.EVENT_READ)
            assert selector.select(timeout=60), "the lab printed nothing within 60 s"
        line = lab.stdout.readline()
        printed = json.loads(line)
        assert printed == json.loads(endpoints_file.read_text())
        code = main(
            [
                "boot",
                "--lab-endpoints",
                str(endpoints_file),
                "--ext",
                "5551234",
                "--pin",
                "13579",
                "--state-dir",
                str(tmp_path / "state"),
                "--runs-dir",
                str(tmp_path / "runs"),
                "--stop-after",
                "dhcp",
                "--json",
            ]
        )
        assert code == 0
    finally:
        lab.terminate()
        lab.wait(timeout=30)


REQUIRED = {
    "decode": ["0104"],
    "dhcp-config": ["--sip-server", "pool01.contoso.com"],
    "replay": ["capture.pcap"],
    "bundle": ["run-folder"],
}
EXIT_CODE = {"probe": 3}
"""A monitoring plugin's bad input is UNKNOWN (3), as the Monitoring Plugins guidelines say."""


@pytest.mark.parametrize("module", COMMAND_MODULES)
def test_a_mistyped_option_shows_that_commands_usage(capsys, module: str) -> None:
    command = module.removesuffix("_command").replace("_", "-")
    with pytest.raises(SystemExit) as stopped:
        main([command, *REQUIRED.get(command, []), "--no-such-option"])
    err = capsys.readouterr().err
    assert stopped.value.code == EXIT_CODE.get(command, 2)
    assert err.startswith(f"usage: phonesim {command} ")
    assert f"phonesim {command}: error: unrecognized arguments: --no-such-option" in err
