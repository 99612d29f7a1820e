"""`phonesim fleet --locust`: the one-machine command a user types, and its refusals."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest


def phonesim(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "phonesim", "fleet", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_processes_with_the_lab_signs_every_phone_in(tmp_path: Path) -> None:
    report = tmp_path / "out"
    done = phonesim(
        *("--locust", "--processes", "2", "--lab", "--phones", "40", "--rate", "20/s"),
        *("--report", str(report), "--json"),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout[done.stdout.index("{") :])
    assert summary == json.loads((report / "summary.json").read_text())
    assert summary["outcomes"] == {"success": 40} and summary["accounting_complete"]
    assert [w["phones_started"] for w in summary["workers"]] == [20, 20]
    assert summary["latency_seconds"]["tlsdsk"]["count"] == 40
    # Locust's own outputs sit beside phonesim's, and count the same boots.
    with (report / "locust_stats.csv").open() as handle:
        boots = next(r for r in csv.DictReader(handle) if r["Name"] == "boot")
    assert int(boots["Request Count"]) == 40 and int(boots["Failure Count"]) == 0
    assert (report / "locust.html").stat().st_size > 0
    assert (report / "report.html").stat().st_size > 0
    # PINs stay on the machines: none in what the master received and wrote.
    assert "13579" not in (report / "phones.csv").read_text()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--lab", "--phones", "10"), "--locust needs one of --processes N"),
        (
            ("--processes", "2", "--master", "--lab", "--phones", "9"),
            "given: --processes, --master",
        ),
        (
            ("--master", "--lab", "--phones", "10"),
            "--lab starts the lab on this machine's loopback",
        ),
        (("--master", "--lab-endpoints", "x.json", "--phones", "10"), "--expect-workers N"),
        (("--worker", "--phones", "10"), "--worker needs --master-host"),
        (("--processes", "2", "--lab", "--phones", "9", "--hold", "1m"), "--hold is not available"),
        (("--processes", "2", "--lab", "--phones", "9", "--slice", "0/2"), "the bridge's to give"),
    ],
)
def test_wrong_combinations_are_refused_in_one_line(args: tuple[str, ...], says: str) -> None:
    done = phonesim("--locust", *args, timeout=30)
    assert done.returncode == 2
    assert says in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
