"""`phonesim lab` leaves nothing stale: its endpoints file goes when it stops, a file left by a
lab that died is recognised at once, and its start-up hint names a real user and no PIN."""

from __future__ import annotations

import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from phonesim.cli import main
from phonesim.lab.layout import LabEndpoints

READY_WITHIN = 60.0


@contextmanager
def lab_process(*argv: str, cwd: Path) -> Iterator[subprocess.Popen[bytes]]:
    lab = subprocess.Popen(
        [sys.executable, "-m", "phonesim", "lab", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=cwd,
    )
    try:
        yield lab
    finally:
        if lab.poll() is None:
            lab.kill()
        lab.wait(timeout=30)
        assert lab.stdout is not None
        lab.stdout.close()


def read_until(lab: subprocess.Popen[bytes], wanted: bytes) -> bytes:
    """The lab's output up to and including `wanted`, waiting at most READY_WITHIN s."""
    assert lab.stdout is not None
    fd = lab.stdout.fileno()
    seen = b""
    deadline = time.monotonic() + READY_WITHIN
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while wanted not in seen:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(timeout=left):
                raise AssertionError(f"the lab did not print {wanted!r}; it printed {seen!r}")
            chunk = os.read(fd, 65536)
            if not chunk:
                raise AssertionError(f"the lab ended before {wanted!r}; it printed {seen!r}")
            seen += chunk
    return seen


@pytest.mark.parametrize(
    "signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda s: signal.Signals(s).name
)
def test_the_endpoints_file_goes_when_the_lab_stops(tmp_path: Path, signum: int) -> None:
    endpoints_file = tmp_path / "phonesim-lab.json"
    with lab_process("--json", "--endpoints-file", str(endpoints_file), cwd=tmp_path) as lab:
        printed = json.loads(read_until(lab, b"\n"))
        assert printed["pid"] == lab.pid
        assert json.loads(endpoints_file.read_text())["pid"] == lab.pid
        lab.send_signal(signum)
        assert lab.wait(timeout=30) == 0
    assert not endpoints_file.exists()


def test_a_file_another_lab_wrote_since_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "phonesim-lab.json"
    ours = LabEndpoints(
        address="127.0.0.1", domain="phonesim.test", dhcp_port=1, dns_port=2, pid=100
    )
    theirs = replace(ours, pid=200)
    theirs.write(path)
    ours.withdraw(path)
    assert json.loads(path.read_text())["pid"] == 200
    theirs.withdraw(path)
    assert not path.exists()


def boot_against(capsys, tmp_path: Path, endpoints_file: Path) -> tuple[int, str, float]:
    started = time.monotonic()
    code = main(
        [
            "boot",
            "--lab-endpoints",
            str(endpoints_file),
            "--ext",
            "5551234",
            "--pin",
            "13579",
            "--no-cache",
            "--state-dir",
            str(tmp_path / "state"),
            "--runs-dir",
            str(tmp_path / "runs"),
        ]
    )
    return code, capsys.readouterr().err, time.monotonic() - started


def test_a_boot_against_a_lab_that_was_killed_says_so(capsys, tmp_path: Path) -> None:
    endpoints_file = tmp_path / "phonesim-lab.json"
    with lab_process("--json", "--endpoints-file", str(endpoints_file), cwd=tmp_path) as lab:
        read_until(lab, b"\n")
        lab.kill()  # no chance to clean up
        lab.wait(timeout=30)
        pid = lab.pid
    assert endpoints_file.exists()
    code, err, took = boot_against(capsys, tmp_path, endpoints_file)
    assert code == 2
    assert err == (
        f"phonesim: error: the lab in {endpoints_file} (pid {pid}) is not running "
        "(start `phonesim lab` again)\n"
    )
    assert took < 20, f"took {took:.1f} s (the DHCP and DNS retries take about 60 s)"


def test_a_live_pid_that_is_not_the_lab_is_not_taken_for_it(capsys, tmp_path: Path) -> None:
    """A pid reused by another program: nothing answers on the lab's ports."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    endpoints_file = tmp_path / "phonesim-lab.json"
    LabEndpoints(
        address="127.0.0.1",
        domain="phonesim.test",
        dhcp_port=closed,
        dns_port=closed,
        port_map={80: closed, 443: closed, 5061: closed, 123: closed},
        pid=os.getpid(),
    ).write(endpoints_file)
    code, err, _ = boot_against(capsys, tmp_path, endpoints_file)
    assert code == 2
    assert f"the lab in {endpoints_file} (pid {os.getpid()}) is not running" in err


USERS = """\
[[user]]
extension = "5559876"
phone_number = "+14255559876"
pin = "86420"
sip_uri = "sip:dave@phonesim.test"
display_name = "Dave"
sip_enabled = true
"""


def test_the_start_up_hint_names_a_lab_user_and_no_pin(tmp_path: Path) -> None:
    users = tmp_path / "users.toml"
    users.write_text(USERS)
    with lab_process("--users", str(users), cwd=tmp_path) as lab:
        shown = read_until(lab, b"Ctrl-C stops the lab.").decode()
        lab.send_signal(signal.SIGINT)
        assert lab.wait(timeout=30) == 0
    hint = shown[shown.index("boot a phone against it:") :]
    assert "phonesim boot --lab-endpoints phonesim-lab.json --ext 5559876\n" in hint
    assert f"the lab's users and PINs are in {users}" in hint
    assert "86420" not in shown and "13579" not in shown and "--pin" not in shown


@pytest.mark.parametrize(
    ("domain", "says"),
    [
        ("bad domain", "label 'bad domain' is not letters, digits and hyphens"),
        ("a..test", "has an empty label"),
        ("-lab.test", "label '-lab' is not letters, digits and hyphens"),
        ("x_y.test", "label 'x_y' is not letters, digits and hyphens"),
        ("https://lab.test", "is a URL, not a name: give lab.test"),
    ],
)
def test_a_domain_that_is_not_host_name_labels_is_refused(tmp_path: Path, domain, says) -> None:
    # In a process of its own: a lab that took the domain would serve until stopped.
    refused = subprocess.run(
        [sys.executable, "-m", "phonesim", "lab", f"--domain={domain}"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert refused.returncode == 2
    assert refused.stderr.startswith(f"phonesim: error: --domain {domain!r}")
    assert says in refused.stderr
    assert refused.stderr.count("\n") == 1
    assert not (tmp_path / "phonesim-lab.json").exists()
