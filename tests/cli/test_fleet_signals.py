"""Signals and leftovers: however a fleet ends, its report is written, its lab process
ends with it, and no temporary folder is left behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

WAIT = 60.0


class Fleet:
    """`phonesim fleet --lab` as a user runs it, in a process of its own."""

    def __init__(self, tmp_path: Path, *extra: str) -> None:
        self.temp = tmp_path / "tmp"
        self.temp.mkdir()
        self.report = tmp_path / "out"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "phonesim",
                "fleet",
                "--lab",
                "--key-pool",
                "1",
                "--json",
                "--report",
                str(self.report),
                *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "TMPDIR": str(self.temp)},
        )

    def wait_for_phones(self, rows: int = 3) -> None:
        phones_csv = self.report / "phones.csv"
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if phones_csv.exists() and len(phones_csv.read_text().splitlines()) > rows:
                return
            assert self.process.poll() is None, self.process.communicate()
            time.sleep(0.05)
        raise AssertionError("no phone finished in time")

    def lab_pid(self) -> int:
        (child,) = children(self.process.pid)
        return child

    def finish(self) -> tuple[int, str, str]:
        out, err = self.process.communicate(timeout=WAIT)
        return self.process.returncode, out.decode(), err.decode()

    def leftovers(self) -> list[str]:
        return [p.name for p in self.temp.iterdir() if p.name.startswith("phonesim-lab-")]

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def running(pid: int) -> bool:
    """Alive and not a zombie waiting for a parent that will never reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} within {WAIT:g} s")


@pytest.fixture
def fleet_process(tmp_path: Path):
    started: list[Fleet] = []

    def start(*extra: str) -> Fleet:
        fleet = Fleet(tmp_path, *extra)
        started.append(fleet)
        return fleet

    yield start
    for fleet in started:
        fleet.kill()


LONG_RUN = ("--phones", "2000", "--rate", "40/s", "--stage", "dhcp")


@pytest.mark.parametrize(
    ("signum", "code", "stopped"),
    [(signal.SIGTERM, 143, "SIGTERM"), (signal.SIGHUP, 129, "SIGHUP")],
)
def test_sigterm_and_sighup_end_the_fleet_with_its_report_and_its_lab(
    fleet_process, signum: int, code: int, stopped: str
) -> None:
    fleet = fleet_process(*LONG_RUN)
    fleet.wait_for_phones()
    lab = fleet.lab_pid()
    fleet.process.send_signal(signum)
    returncode, out, err = fleet.finish()
    assert returncode == code, err
    summary = json.loads(out)
    assert summary["stopped"] == stopped
    assert 0 < summary["phones_started"] < 2000
    assert summary["accounting_complete"] is True
    assert json.loads((fleet.report / "summary.json").read_text())["stopped"] == stopped
    assert (fleet.report / "report.html").exists()
    assert not running(lab)
    assert fleet.leftovers() == []


def test_a_clean_run_leaves_no_temporary_folder(fleet_process) -> None:
    fleet = fleet_process("--phones", "5", "--rate", "max", "--stage", "dhcp")
    returncode, _out, err = fleet.finish()
    assert returncode == 0, err
    assert fleet.leftovers() == []


def test_ctrl_c_stops_arrivals_writes_the_report_and_leaves_nothing_behind(
    fleet_process,
) -> None:
    fleet = fleet_process(*LONG_RUN)
    fleet.wait_for_phones()
    lab = fleet.lab_pid()
    fleet.process.send_signal(signal.SIGINT)
    returncode, out, err = fleet.finish()
    assert returncode == 130, err
    summary = json.loads(out)
    assert 0 < summary["phones_started"] < 2000
    assert summary["accounting_complete"] is True
    assert summary["stopped"] == "interrupted (Ctrl-C)"
    assert (fleet.report / "report.html").exists()
    assert not running(lab)
    assert fleet.leftovers() == []


def test_a_lab_that_dies_mid_run_ends_the_run_and_says_so(fleet_process) -> None:
    fleet = fleet_process(*LONG_RUN)
    fleet.wait_for_phones()
    os.kill(fleet.lab_pid(), signal.SIGKILL)
    returncode, out, err = fleet.finish()
    assert returncode == 3, err
    summary = json.loads(out)
    assert summary["stopped"] == "lab exited"
    assert summary["accounting_complete"] is True
    assert (fleet.report / "report.html").exists()
    assert fleet.leftovers() == []


def test_the_lab_dies_with_a_fleet_that_is_killed_outright(fleet_process) -> None:
    fleet = fleet_process(*LONG_RUN)
    fleet.wait_for_phones()
    lab = fleet.lab_pid()
    fleet.process.kill()  # SIGKILL: the fleet can clean nothing up itself
    fleet.process.wait()
    wait_until(lambda: not running(lab), "the lab process ended")
    wait_until(lambda: fleet.leftovers() == [], "the lab's folder was removed")


def test_the_lab_notices_its_parent_is_gone_without_the_kernel_signal() -> None:
    import asyncio

    from phonesim.fleet.lab_child import _watch_parent

    async def watch() -> bool:
        stop = asyncio.Event()
        await asyncio.wait_for(_watch_parent(os.getppid() + 1, stop), 5)
        return stop.is_set()

    assert asyncio.run(watch())


@pytest.mark.parametrize(
    ("stopped", "failed", "code"),
    [("lab exited", 0, 3), ("lab exited", 2, 3), ("completed", 0, 0), ("completed", 1, 3)],
)
def test_a_run_the_labs_death_stopped_never_exits_0(stopped: str, failed: int, code: int) -> None:
    """The lab may die before any phone in flight has timed out: those phones are cut, not
    failed, and the run still did less than it was asked."""
    from phonesim.cli.fleet_command import fleet_exit_code

    assert fleet_exit_code({"stopped": stopped, "failed": failed}) == code
