"""The probe against servers in another process, reached over loopback as a real pool is
(`phonesim lab`'s endpoints: unicast DHCP, DNS, HTTPS, SIP over TLS), not an embedded lab."""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
from pathlib import Path

from tests.probe.test_probe_command import parse_plugin_output


def test_a_locked_pin_on_a_running_lab_is_critical_with_its_finding(tmp_path: Path) -> None:
    endpoints = tmp_path / "lab.json"
    lab = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "phonesim",
            "lab",
            "--scenario",
            "pin-locked",
            "--json",
            "--endpoints-file",
            str(endpoints),
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
        json.loads(lab.stdout.readline())
        probed = subprocess.run(
            [
                sys.executable,
                "-m",
                "phonesim",
                "probe",
                "--lab-endpoints",
                str(endpoints),
                "--ext",
                "5551234",
                "--state-dir",
                str(tmp_path / "state"),
                "-w",
                "30s",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PHONESIM_PIN": "13579"},
        )
    finally:
        lab.terminate()
        lab.wait(timeout=30)
    state, text, perf = parse_plugin_output(probed.stdout)
    assert (state, probed.returncode) == ("CRITICAL", 2), probed.stderr
    assert text.startswith("webticket.pin_locked after ")
    assert "finding webticket.pin_locked" in text
    assert perf["total"]["warn"] == "30"
