"""The embedded lab on loopback with one of its services replaced by a misbehaving one, and
a phone (`phonesim boot --lab-endpoints`, its own process) booted against it.

Each case gives back what a user would look at: the exit status, the run folder's
result.json, the phone process's wall time and peak resident set, and whether a
second boot of the same phone, against the healthy lab with the same cache, still
succeeds. Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from phonesim.lab.embedded_lab import EmbeddedLab

PROFILE = Path(__file__).resolve().parents[2] / "profiles" / "polycom-cx600.toml"
PIN = "13579"
Rewire = Callable[[dict[str, Any]], None]


@dataclass
class Boot:
    code: int
    seconds: float
    peak_mb: float
    result: dict[str, Any] | None
    run_dir: Path | None
    output: str

    @property
    def reason(self) -> str | None:
        return None if self.result is None else self.result.get("Reason")


@dataclass
class Case:
    hostile: Boot
    next_boot: Boot


def profile_with(tmp: Path, **tables: dict[str, object]) -> Path:
    """The CX600 profile with some of its values changed (shorter timeouts, smaller
    bounds), so that a case ends in seconds."""
    lines: list[str] = []
    table = ""
    for line in PROFILE.read_text().splitlines():
        if line.startswith("["):
            table = line.strip("[]")
            lines.append(line)
            lines += [f"{key} = {json.dumps(v)}" for key, v in tables.get(table, {}).items()]
            continue
        if line.partition("=")[0].strip() in tables.get(table, {}):
            continue
        lines.append(line)
    path = tmp / "profile.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


_LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
os.write(int(sys.argv[1]), str(usage.ru_maxrss).encode())
sys.exit(os.waitstatus_to_exitcode(status))
"""
"""Runs the phone and reports its peak RSS. A child's peak counts the memory of the
process it was forked from (Linux records it at exec), and the test process may hold
hundreds of MB by then: a small launcher in between makes the figure the phone's."""


def _timed_boot(argv: list[str]) -> tuple[int, float, float, str]:
    """Run the phone; its own wall time and peak RSS (read through `_LAUNCHER`)."""
    start = time.monotonic()
    peak_read, peak_write = os.pipe()
    child = subprocess.Popen(
        [sys.executable, "-c", _LAUNCHER, str(peak_write), *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        pass_fds=(peak_write,),
    )
    os.close(peak_write)
    assert child.stdout is not None
    output = child.stdout.read()
    code = child.wait()
    with os.fdopen(peak_read, "rb") as peak:
        peak_kb = int(peak.read() or b"0")
    return code, time.monotonic() - start, peak_kb / 1024, output.decode()


async def boot(lab: EmbeddedLab, work: Path, name: str, rewire: Rewire | None, *args: str) -> Boot:
    endpoints = lab.endpoints.to_json()
    if rewire is not None:
        rewire(endpoints)
    (work / f"{name}.json").write_text(json.dumps(endpoints))
    runs = work / "runs" / name
    argv = [
        sys.executable, "-m", "phonesim", "boot",
        "--lab-endpoints", str(work / f"{name}.json"),
        "--ext", "5551234", "--pin", PIN, "--json", "--no-capture",
        "--state-dir", str(work / "state"), "--runs-dir", str(runs), *args,
    ]  # fmt: skip
    code, seconds, peak, output = await asyncio.to_thread(_timed_boot, argv)
    folders = sorted(runs.iterdir()) if runs.exists() else []
    run_dir = folders[-1] if folders else None
    result_file = None if run_dir is None else run_dir / "result.json"
    result = json.loads(result_file.read_text()) if result_file and result_file.exists() else None
    return Boot(code, seconds, peak, result, run_dir, output)


async def run_case(
    work: Path,
    serve: Callable[[EmbeddedLab], Awaitable[tuple[Rewire, Callable[[], Awaitable[None]]]]],
    *args: str,
) -> Case:
    """The hostile boot, then the same phone (same cache) against the healthy lab."""
    async with EmbeddedLab() as lab:
        rewire, stop = await serve(lab)
        try:
            hostile = await boot(lab, work, "hostile", rewire, *args)
        finally:
            await stop()
        healthy = await boot(lab, work, "next", None)
    return Case(hostile, healthy)


def lab_tls(lab: EmbeddedLab, name: str) -> Any:
    return lab.ca.server_ssl_context([name], now=datetime.now(UTC))


def assert_bounded(case: Case, reason: str, *, seconds: float, peak_mb: float = 400) -> None:
    """A named failure within the bounds, its run folder written, and the next boot fine."""
    hostile = case.hostile
    assert hostile.result is not None, hostile.output[-2000:]
    assert hostile.reason == reason, (hostile.reason, hostile.output[-2000:])
    assert hostile.code not in (0, 1, 2), hostile.output[-2000:]
    assert hostile.run_dir is not None and (hostile.run_dir / "trace.jsonl").exists()
    assert "Traceback" not in hostile.output
    assert hostile.seconds < seconds, hostile.seconds
    assert hostile.peak_mb < peak_mb, hostile.peak_mb
    assert case.next_boot.code == 0, case.next_boot.output[-2000:]
    assert case.next_boot.reason is None or case.next_boot.result["Result"] == "Success"


@dataclass
class Fleet:
    code: int
    seconds: float
    peak_mb: float
    summary: dict[str, Any]
    rows: int
    output: str


async def run_fleet(
    work: Path,
    serve: Callable[[EmbeddedLab], Awaitable[tuple[Rewire, Callable[[], Awaitable[None]]]]],
    phones: int,
    *args: str,
) -> Fleet:
    """`phonesim fleet` (its own process) against the lab with one service replaced."""
    async with EmbeddedLab() as lab:
        rewire, stop = await serve(lab)
        endpoints = lab.endpoints.to_json()
        rewire(endpoints)
        (work / "lab.json").write_text(json.dumps(endpoints))
        (work / "users.csv").write_text(f"ext,pin\n5551234,{PIN}\n5551235,{PIN}\n")
        report = work / "report"
        argv = [
            sys.executable, "-m", "phonesim", "fleet",
            "--lab-endpoints", str(work / "lab.json"), "--users", str(work / "users.csv"),
            "--phones", str(phones), "--rate", "max", "--json", "--report", str(report), *args,
        ]  # fmt: skip
        try:
            code, seconds, peak, output = await asyncio.to_thread(_timed_boot, argv)
        finally:
            await stop()
    summary = json.loads((report / "summary.json").read_text())
    with (report / "phones.csv").open() as table:
        rows = sum(1 for _ in table) - 1
    return Fleet(code, seconds, peak, summary, rows, output)


def assert_accounted(fleet: Fleet, phones: int) -> None:
    """Every phone started, finished and counted once: in the outcomes and in phones.csv."""
    summary = fleet.summary
    assert "Traceback" not in fleet.output, fleet.output[-2000:]
    assert summary["phones_started"] == summary["phones_finished"] == phones
    assert sum(summary["outcomes"].values()) == phones == fleet.rows
    assert "fleet.driver_error" not in summary["outcomes"], summary["outcomes"]
