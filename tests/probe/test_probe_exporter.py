"""`phonesim probe --serve` on a short real clock: it boots on its schedule, serves the last
run on /metrics for Prometheus, and promtool accepts what it serves."""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.netns import require_tools


def line_within(stream, seconds: float) -> str:
    """The next line, or a failure when none comes in time (never a hung test)."""
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        assert selector.select(timeout=seconds), f"nothing printed within {seconds} s"
    return str(stream.readline())


def test_the_exporter_boots_on_its_schedule_and_serves_the_last_run(tmp_path: Path) -> None:
    require_tools("promtool")
    env = {**os.environ, "PHONESIM_PIN": "13579"}
    exporter = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "phonesim",
            "probe",
            "--lab",
            "--ext",
            "5551234",
            "--state-dir",
            str(tmp_path / "state"),
            "--stop-after",
            "dhcp",
            "--serve",
            "127.0.0.1:0",
            "--every",
            "500ms",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert exporter.stderr is not None and exporter.stdout is not None
        banner = line_within(exporter.stderr, 60)
        port = re.search(r"http://127\.0\.0\.1:(\d+)/metrics", banner)
        assert port, banner
        url = f"http://127.0.0.1:{port.group(1)}/metrics"
        # Each boot prints its status line when it ends: wait for three.
        lines = [line_within(exporter.stdout, 60) for _ in range(3)]
        assert all(line.startswith("PHONESIM OK - ") for line in lines), lines
        text = httpx.get(url, timeout=10).text
    finally:
        exporter.send_signal(signal.SIGINT)
        exporter.wait(timeout=30)
    runs = re.search(r'^phonesim_probe_runs_total\{probe="5551234"\} (\S+)$', text, re.M)
    assert runs and float(runs.group(1)) >= 3
    assert 'phonesim_probe_success{probe="5551234"} 1.0' in text
    assert re.search(r'phonesim_probe_step_duration_seconds\{probe="5551234",step="dhcp"\}', text)
    stamp = re.search(r"^phonesim_probe_last_run_timestamp_seconds\{.*\} (\S+)$", text, re.M)
    assert stamp and abs(float(stamp.group(1)) - time.time()) < 120
    checked = subprocess.run(
        ["promtool", "check", "metrics"], input=text, capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert exporter.returncode == 0
