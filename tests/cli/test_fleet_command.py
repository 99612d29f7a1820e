"""`phonesim fleet` as a test engineer runs it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from phonesim.cli import main


def test_a_small_fleet_against_the_lab_writes_the_whole_report(capsys, tmp_path: Path) -> None:
    report = tmp_path / "out"
    code = main(
        [
            "fleet",
            "--lab",
            "--phones",
            "20",
            "--rate",
            "max",
            "--key-pool",
            "2",
            "--json",
            "--report",
            str(report),
        ]
    )
    out, _ = capsys.readouterr()
    summary = json.loads(out)
    assert code == 0
    assert summary["phones_started"] == summary["succeeded"] == 20
    assert summary["accounting_complete"] is True
    assert set(summary["latency_seconds"]) >= {
        "dhcp",
        "dns",
        "webticket",
        "certprov",
        "registrar",
        "boot",
    }
    assert json.loads((report / "summary.json").read_text())["succeeded"] == 20
    with (report / "phones.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == 20
    page = (report / "report.html").read_text()
    assert page.count("<svg") == 2 and "<script" not in page


def test_failures_give_exit_code_3(capsys, tmp_path: Path) -> None:
    code = main(
        [
            "fleet",
            "--lab",
            "--scenario",
            "registrar-unreachable",
            "--phones",
            "5",
            "--rate",
            "max",
            "--key-pool",
            "1",
            "--json",
            "--report",
            str(tmp_path / "out"),
        ]
    )
    summary = json.loads(capsys.readouterr().out)
    assert code == 3
    assert summary["outcomes"] == {"registrar.unreachable": 5}


def test_bad_load_is_one_line(capsys) -> None:
    code = main(["fleet", "--lab", "--phones", "10", "--rate", "lots"])
    _, err = capsys.readouterr()
    assert code == 2 and "rate 'lots'" in err and "Traceback" not in err
    code = main(["fleet", "--phones", "10"])
    _, err = capsys.readouterr()
    assert code == 2 and "say where the servers are" in err
