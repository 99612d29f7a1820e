"""`fleet --lease`: each phone takes its own lease before its INFORM, as a building's phones
do after a power cut (a DORA + INFORM storm), and gives it back when the fleet stops.
With `--lab` and no scenario the lab plays the site's own DHCP server (`site-dhcp`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from phonesim.cli import main

PHONES = 6


def fleet(tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict, str]:
    report = tmp_path / "out"
    code = main(
        [
            *("fleet", "--lab", "--phones", str(PHONES), "--rate", "max", "--key-pool", "1"),
            *("--json", "--report", str(report), *extra),
        ]
    )
    out, err = capsys.readouterr()
    return code, json.loads(out) if code == 0 else {}, err


def test_each_phone_leases_then_informs_and_every_lease_is_given_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, summary, _ = fleet(tmp_path, capsys, "--lease", "--stage", "dhcp")
    assert code == 0, summary
    assert summary["succeeded"] == PHONES
    assert summary["steps"]["lease"]["ok"] == PHONES
    assert summary["steps"]["dhcp"]["ok"] == PHONES
    assert summary["leases"] == {
        "taken": PHONES,
        "released": PHONES,
        "held": 0,
        "release_not_sent": 0,
    }
    assert summary["config"]["lease"] is True


def test_a_lease_storm_on_the_lab_needs_no_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, summary, _ = fleet(tmp_path, capsys, "--stage", "lease")
    assert code == 0, summary
    assert summary["leases"]["taken"] == summary["leases"]["released"] == PHONES
    assert "dhcp" not in summary["latency_seconds"]


def test_a_scenario_without_a_site_dhcp_server_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = fleet(tmp_path, capsys, "--lease", "--scenario", "healthy")
    assert code == 2
    assert "has no site DHCP server" in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
