"""`phonesim fleet --hold`: phones that sign in stay registered on real time, refresh,
keep alive and re-handshake as the lab's registrar implies, then sign out; Ctrl-C signs
them out; and the report says so in the keys the README documents."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from phonesim.cli import main
from tests.fleet.test_summary_keys_in_readme import documented_keys

PROFILE = Path(__file__).resolve().parents[2] / "profiles" / "polycom-cx600.toml"
PHONES = 20
HOLD = 8
KEEP_ALIVE = 1


def quick_profile(tmp_path: Path) -> Path:
    """The shipped CX600 refreshing 57 s before Expires: with the lab's 60 s Expires, 3 s
    after each 200 OK, so a short hold sees refreshes."""
    path = tmp_path / "quick.toml"
    path.write_text(
        PROFILE.read_text(encoding="utf-8") + "\n[tls_dsk]\nrefresh_before = 57\n",
        encoding="utf-8",
    )
    return path


def short_timers(tmp_path: Path) -> Path:
    """A registrar granting 60 s, asking for a keep-alive after 1 s of silence, and
    forgetting a security association after 4 s."""
    path = tmp_path / "short-timers.toml"
    path.write_text(
        '[scenario]\nsummary = "a registrar with short timers"\nsymptom = "none"\n\n'
        f"[registrar]\nexpires = 60\nkeep_alive = {KEEP_ALIVE}\nsa_lifetime = 4\n",
        encoding="utf-8",
    )
    return path


def test_a_held_fleet_stays_registered_refreshes_and_signs_out(tmp_path: Path, capsys) -> None:
    report = tmp_path / "report"
    code = main(
        [
            "fleet",
            "--lab",
            "--scenario",
            str(short_timers(tmp_path)),
            "--profile",
            str(quick_profile(tmp_path)),
            "--phones",
            str(PHONES),
            "--rate",
            "max",
            "--key-pool",
            "1",
            "--hold",
            f"{HOLD}s",
            "--json",
            "--report",
            str(report),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    summary = json.loads(out)
    assert summary["outcomes"] == {"success": PHONES}
    assert summary["config"]["stage"] == "provisioning"  # --hold runs phones to the end
    assert summary["config"]["hold_seconds"] == HOLD
    hold = summary["hold"]
    assert set(hold) == documented_keys("With `--hold`, `hold` holds:")
    assert hold["phones_held"] == hold["registered_peak"] == PHONES
    assert hold["cut_short"] == {} and hold["held_seconds"]["count"] == PHONES
    assert hold["held_seconds"]["min"] == pytest.approx(HOLD, abs=0.5)
    # The rate is of the sign-ins, to the last one's end: not stretched by the 8 s hold.
    assert hold["last_sign_in_seconds"] < summary["elapsed_seconds"] - HOLD + 0.5
    assert summary["phones_per_second"] == round(PHONES / hold["last_sign_in_seconds"], 3)
    assert hold["sign_outs"] == {"signed_out": PHONES, "sign_out_failed": 0, "failed": 0, "cut": 0}
    assert hold["failures"] == {}
    # Registered 3 s after its 200 OK, each phone refreshes once; its next refresh, 6 s
    # after the association was made, finds the registrar has forgotten it (4 s): a 401,
    # a new handshake. The next refresh would be after the hold's 8 s: it signs out.
    assert hold["refreshes"] == PHONES
    assert hold["rehandshakes"] == {"sa_renewal": 0, "forced_by_401": PHONES}
    # A keep-alive after each second of silence: a few per phone, never more than one a second.
    assert 4 * PHONES <= hold["keep_alives"] <= HOLD // KEEP_ALIVE * PHONES
    assert hold["keep_alive_lateness_seconds"]["count"] == hold["keep_alives"]
    registered = hold["registered_over_time"]["registered"]
    assert max(registered) <= PHONES and registered[-1] < max(registered)
    steps = summary["steps"]
    for step in ("provisioning", "refresh", "forced_rehandshake", "sign_out"):
        assert steps[step]["ok"] == steps[step]["phones"] == PHONES, step
        assert steps[step]["latency_seconds"]["count"] == PHONES, step
    assert steps["sa_renewal"]["not_reached"] == {"not_due": PHONES}
    for step in steps.values():
        assert step["phones"] + sum(step["not_reached"].values()) == PHONES
    page = (report / "report.html").read_text(encoding="utf-8")
    assert "Held registered" in page and f"held {PHONES} phones for {HOLD} s" in page


@pytest.mark.parametrize("given", [["--stage", "tlsdsk"], ["--hold", "soon"], ["--hold", "0s"]])
def test_hold_refused_before_anything_starts(given: list[str], tmp_path: Path, capsys) -> None:
    args = ["fleet", "--lab", "--phones", "2", "--report", str(tmp_path / "r"), *given]
    if "--hold" not in given:
        args += ["--hold", "10s"]
    assert main(args) == 2
    assert "--hold" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_ctrl_c_during_the_hold_signs_every_phone_out(tmp_path: Path) -> None:
    report = tmp_path / "report"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "phonesim",
            "fleet",
            "--lab",
            "--phones",
            "10",
            "--rate",
            "max",
            "--key-pool",
            "1",
            "--hold",
            "10m",
            "--report",
            str(report),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 90
        for line in process.stdout:  # a progress line every 5 s without a terminal
            if "held: 10 registered now" in line:
                break
            assert time.monotonic() < deadline, "the phones were never all held"
        # Held phones are signed in: the count says so, and how many are held now.
        assert "signed-in-and-provisioned 10 held-now 10 failed 0" in line
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err
    summary = json.loads((report / "summary.json").read_text(encoding="utf-8"))
    assert summary["outcomes"] == {"success": 10}
    assert summary["hold"]["sign_outs"] == {
        "signed_out": 10,
        "sign_out_failed": 0,
        "failed": 0,
        "cut": 0,
    }
    assert summary["steps"]["sign_out"]["ok"] == 10
    assert summary["stopped"] == "interrupted (Ctrl-C)"
    # The hold asked for, the hold done and what cut it: not "held 10 phones for 600 s".
    hold = summary["hold"]
    assert hold["hold_seconds"] == 600 and hold["cut_short"] == {"Ctrl-C": 10}
    assert hold["held_seconds"]["count"] == 10 and hold["held_seconds"]["max"] < 120
    shown = " ".join(out.split())
    assert (
        f"held 10 phones for up to {hold['held_seconds']['max']:g} s of the 600 s asked "
        "(holds cut short: 10 by Ctrl-C)" in shown
    )
    assert "for 600 s" not in shown
    page = (report / "report.html").read_text(encoding="utf-8")
    assert "(holds cut short: 10 by Ctrl-C)" in page
    assert "phones signed in per second" in shown
