"""A fleet on Locust, on this machine: master and workers on loopback, the lab beside them."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILE = ROOT / "examples" / "locust" / "phonesim_fleet.py"
RUN_LIMIT = 120.0
"""Seconds any one run may take before the test gives up on it (and ends it)."""


@dataclass
class Lab:
    endpoints: Path
    process: subprocess.Popen[bytes]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """`phonesim lab` on loopback, knowing the users a fleet generates."""
    folder = tmp_path_factory.mktemp("lab")
    endpoints = folder / "lab.json"
    users = folder / "users.csv"  # the numbers and PIN a fleet generates: full boots sign in
    users.write_text("ext,pin\n" + "".join(f"{6_000_000 + i},13579\n" for i in range(400)))
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "phonesim", "lab", "--endpoints-file", str(endpoints)),
            *("--users", str(users)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=(folder / "lab.log").open("wb"),
    )
    deadline = time.monotonic() + 30
    while not endpoints.exists() and time.monotonic() < deadline:
        assert process.poll() is None, (folder / "lab.log").read_text()
        time.sleep(0.1)
    assert json.loads(endpoints.read_text())["address"] == "127.0.0.1"
    yield Lab(endpoints, process)
    process.send_signal(signal.SIGINT)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LocustRun:
    process: subprocess.Popen[bytes]
    out: Path
    shards: Path
    log: Path

    def wait(self) -> int:
        try:
            return self.process.wait(RUN_LIMIT)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            tail = self.log.read_text()[-3000:]
            raise AssertionError("the run did not end in time:\n" + tail) from None

    def summary(self) -> dict:
        return json.loads((self.out / "summary.json").read_text())

    def phone_lines(self, k: int) -> int:
        shard = self.shards / f"slice-{k}.jsonl"
        if not shard.exists():
            return 0
        return shard.read_bytes().count(b'"t":"phone"')


def start_locust(tmp_path: Path, lab: Lab, *phonesim: str) -> LocustRun:
    """Master and 2 workers (`--processes 2`), headless, bound to loopback."""
    out, shards, log = tmp_path / "out", tmp_path / "shards", tmp_path / "locust.log"
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--processes",
        "2",
        "--master-bind-host",
        "127.0.0.1",
        "--master-bind-port",
        str(port),
        "--master-port",
        str(port),
        "--csv",
        str(out / "locust"),
        "--phonesim-lab-endpoints",
        str(lab.endpoints),
        "--phonesim-report",
        str(out),
        "--phonesim-samples-shards",
        str(shards),
        *phonesim,
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
        start_new_session=True,  # the test's own signals reach the master alone
    )
    return LocustRun(process, out, shards, log)


def wait_for(condition, what: str, limit: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"never saw {what}"
        time.sleep(0.05)
