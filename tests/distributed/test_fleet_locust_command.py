"""`phonesim fleet --locust`: the one-machine command a user types, and its refusals."""

from __future__ import annotations

import csv
import itertools
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from phonesim.cli import build_parser, fleet_command
from phonesim.fleet.identities import ProfileMix, generated_identities
from phonesim.locust.engine_command import engine_command


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
        (("--processes", "2", "--lab", "--phones", "9", "--warm", "2"), "--warm '2': give a share"),
        (
            ("--processes", "2", "--lab", "--phones", "9", "--warm", "0.5", "--stage", "dhcp"),
            "--warm needs phones that sign in",
        ),
        (("--processes", "2", "--lab", "--phones", "9", "--state-dir", "s"), "give --warm too"),
    ],
)
def test_wrong_combinations_are_refused_in_one_line(args: tuple[str, ...], says: str) -> None:
    done = phonesim("--locust", *args, timeout=30)
    assert done.returncode == 2
    assert says in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_ctrl_c_reaches_the_master_once_and_the_report_is_written(tmp_path: Path) -> None:
    report = tmp_path / "out"
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "phonesim", "fleet", "--locust", "--processes", "2"),
            *("--lab", "--phones", "3000", "--rate", "40/s", "--stage", "dhcp"),
            *("--report", str(report)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "err.log").open("wb"),
    )
    try:
        deadline = time.monotonic() + 60
        while not list(Path(report).glob("locust_stats_history.csv")) or _phones_seen(report) < 40:
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        assert process.wait(90) == 130, (tmp_path / "err.log").read_text()[-3000:]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    summary = json.loads((report / "summary.json").read_text())
    assert summary["stopped"] == "interrupted" and summary["accounting_complete"] is True
    assert 40 <= summary["phones_finished"] < 3000


def _phones_seen(report: Path) -> int:
    """Requests Locust has counted so far (its history CSV's last row, boots only)."""
    with (report / "locust_stats_history.csv").open() as handle:
        rows = [r for r in csv.DictReader(handle) if r["Name"] == "Aggregated"]
    return int(rows[-1]["Total Request Count"]) // 2 if rows else 0


def test_each_engine_is_told_the_warm_share_its_state_folder_and_a_fresh_pool() -> None:
    """`--warm` is the fleet's (the master's), the state folder each machine's own; a lab
    made for the run is a new pool, whose engines warm every warm phone afresh."""
    command = engine_command(
        {"phones": "40", "warm": "0.5", "fresh_pool": "yes"},
        {"state_dir": "/var/lib/phonesim"},
        slice_index=1,
        slices=2,
        record_fd=9,
        report=Path("out"),
    )
    pairs = dict(itertools.pairwise(command))
    assert pairs["--warm"] == "0.5"
    assert pairs["--state-dir"] == "/var/lib/phonesim"
    assert pairs["--fresh-pool"] == "yes"
    args = build_parser().parse_args(command[3:])
    assert (args.warm, args.fresh_pool, args.slice) == ("0.5", "yes", "1/2")
    args.stage = "tlsdsk"
    phones = generated_identities(
        40, ProfileMix.parse("polycom-cx600"), {"polycom-cx600": "00:04:f2"}, seed=1
    )
    plan = fleet_command._warm(args, phones)
    assert plan is not None and plan.fresh_pool and len(plan.warm) == 20
    args.fresh_pool = None
    plan = fleet_command._warm(args, phones)
    assert plan is not None and not plan.fresh_pool
