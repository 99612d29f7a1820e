"""`phonesim probe` as a monitoring system runs it: a Monitoring Plugins status line that a
strict parser of the guidelines' format accepts, the exit codes 0/1/2/3, metrics that
promtool accepts, and JSON shaped like Test-CsPhoneBootstrap's."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from phonesim.cli import main
from tests.netns import require_tools

PIN = "13579"

# The guidelines' format: `SERVICE STATUS - text | 'label'=value[UOM];[warn];[crit];[min];[max]`
_STATUS = re.compile(
    r"^(?P<service>[A-Z]+) (?P<state>OK|WARNING|CRITICAL|UNKNOWN) - (?P<text>[^|]+)$"
)
_PERF = re.compile(
    r"^(?P<label>'[^'=]+'|[^'= ]+)=(?P<value>-?\d+(\.\d+)?)(?P<uom>us|ms|s|%|B|KB|MB|TB|c)?"
    r"(;(?P<warn>[@~0-9.:]*)(;(?P<crit>[@~0-9.:]*)(;(?P<min>-?[0-9.]*)(;(?P<max>-?[0-9.]*))?)?)?)?$"
)
_RANGE = re.compile(r"^@?(~|-?\d+(\.\d+)?)?:?(-?\d+(\.\d+)?)?$")
_CODES = {"OK": 0, "WARNING": 1, "CRITICAL": 2, "UNKNOWN": 3}


def parse_plugin_output(output: str) -> tuple[str, str, dict[str, dict[str, str | None]]]:
    """Strict: one line, the status, the text, each performance item well formed."""
    lines = output.splitlines()
    assert len(lines) == 1, output
    text, _, perf = lines[0].partition(" | ")
    status = _STATUS.match(text)
    assert status, text
    items: dict[str, dict[str, str | None]] = {}
    for item in perf.split():
        match = _PERF.match(item)
        assert match, item
        for name in ("warn", "crit"):
            if match.group(name):
                assert _RANGE.match(match.group(name)), item
        items[match.group("label").strip("'")] = match.groupdict()
    return status.group("state"), status.group("text"), items


@pytest.fixture
def pin_file(tmp_path: Path) -> Path:
    path = tmp_path / "pin"
    path.write_text(PIN + "\n")
    path.chmod(0o600)
    return path


def probe(capsys, tmp_path: Path, pin_file: Path, *extra: str) -> tuple[int, str]:
    code = main(
        [
            "probe",
            "--lab",
            "--ext",
            "5551234",
            "--pin-file",
            str(pin_file),
            "--state-dir",
            str(tmp_path / "state"),
            "--seed",
            "7",
            *extra,
        ]
    )
    return code, capsys.readouterr().out


def test_a_healthy_pool_is_ok_with_every_step_in_the_performance_data(
    capsys, tmp_path, pin_file
) -> None:
    code, out = probe(capsys, tmp_path, pin_file, "-w", "30s", "-c", "60s")
    state, text, perf = parse_plugin_output(out)
    assert (state, code) == ("OK", 0)
    assert "reached provisioning" in text
    assert perf["total"]["uom"] == "s" and perf["total"]["warn"] == "30"
    assert perf["total"]["crit"] == "60" and perf["total"]["min"] == "0"
    for step in ("dhcp", "dns", "time", "rootchain", "webticket", "certprov", "registrar"):
        assert float(str(perf[step]["value"])) > 0
    assert PIN not in out


def test_a_slow_step_is_a_warning_and_a_slower_boot_critical(capsys, tmp_path, pin_file) -> None:
    code, out = probe(capsys, tmp_path, pin_file, "--step-warning", "webticket=1ms")
    state, text, perf = parse_plugin_output(out)
    assert (state, code) == ("WARNING", 1)
    assert "webticket took" in text and perf["webticket"]["warn"] == "0.001"
    code, out = probe(capsys, tmp_path, pin_file, "-w", "1ms", "-c", "2ms")
    state, text, _ = parse_plugin_output(out)
    assert (state, code) == ("CRITICAL", 2)
    assert "critical 2ms" in text


def test_a_failed_boot_is_critical_with_its_reason_and_top_finding(
    capsys, tmp_path, pin_file
) -> None:
    code, out = probe(capsys, tmp_path, pin_file, "--scenario", "wrong-pin")
    state, text, perf = parse_plugin_output(out)
    assert (state, code) == ("CRITICAL", 2)
    assert text.startswith("webticket.pin_rejected after ")
    assert "finding webticket.pin_rejected: The number and PIN were refused" in text
    assert "registrar" not in perf  # never reached


@pytest.mark.parametrize(
    "extra",
    [
        ("-w", "2 seconds"),
        ("--step-warning", "nosuchstep=1s"),
        ("--bogus",),
        ("--textfile", "/nonexistent/textfile"),
    ],
)
def test_bad_input_is_unknown(capsys, tmp_path, pin_file, extra) -> None:
    try:
        code, out = probe(capsys, tmp_path, pin_file, *extra)
    except SystemExit as exit_:
        code, out = int(str(exit_.code)), capsys.readouterr().out
    state, _text, _ = parse_plugin_output(out)
    assert (state, code) == ("UNKNOWN", 3)


def test_json_is_shaped_like_test_csphonebootstrap(capsys, tmp_path, pin_file) -> None:
    code, out = probe(capsys, tmp_path, pin_file, "--scenario", "wrong-pin", "--json")
    result = json.loads(out)
    assert code == 2
    assert list(result)[:6] == [
        "TargetUri",
        "TargetFqdn",
        "Result",
        "Latency",
        "Error",
        "Diagnosis",
    ]
    assert result["Result"] == "Failure"
    assert result["Probe"]["State"] == "CRITICAL"
    assert result["Probe"]["Reason"] == "webticket.pin_rejected"
    assert result["Probe"]["TopFinding"]["Id"] == "webticket.pin_rejected"


def test_promtool_accepts_the_textfile(capsys, tmp_path, pin_file) -> None:
    require_tools("promtool")
    textfiles = tmp_path / "textfile"
    textfiles.mkdir()
    code, _ = probe(
        capsys, tmp_path, pin_file, "--scenario", "wrong-pin", "--textfile", str(textfiles)
    )
    assert code == 2
    written = sorted(p.name for p in textfiles.iterdir())
    assert written == ["phonesim_probe_5551234.prom"]  # the temporary file was renamed
    text = (textfiles / written[0]).read_text()
    checked = subprocess.run(
        ["promtool", "check", "metrics"], input=text, capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert 'phonesim_probe_success{probe="5551234"} 0.0' in text
    assert (
        'phonesim_probe_last_failure{probe="5551234",reason="webticket.pin_rejected"} 1.0' in text
    )
    assert 'phonesim_probe_last_failure{probe="5551234",reason="other"} 0.0' in text
    assert 'step="webticket"' in text and 'profile="polycom-cx600"' in text


def test_the_probe_keeps_only_its_newest_run_folders(capsys, tmp_path, pin_file) -> None:
    for _ in range(3):
        probe(capsys, tmp_path, pin_file, "--keep-runs", "2", "--stop-after", "dhcp")
    runs = list((tmp_path / "state" / "probe-runs" / "5551234").iterdir())
    assert len(runs) == 2
    assert all((run / "report.html").is_file() for run in runs)


def test_a_runs_folder_given_by_hand_is_never_pruned(capsys, tmp_path, pin_file) -> None:
    runs = tmp_path / "runs"
    for _ in range(2):
        probe(
            capsys,
            tmp_path,
            pin_file,
            "--runs-dir",
            str(runs),
            "--keep-runs",
            "1",
            "--stop-after",
            "dhcp",
        )
    assert len(list(runs.iterdir())) == 2
