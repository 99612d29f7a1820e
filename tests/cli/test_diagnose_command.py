"""`phonesim diagnose` and `phonesim scenarios` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from phonesim.cli import main
from phonesim.lab.scenario import catalogue


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def lab_args(tmp_path: Path) -> list[str]:
    return ["--state-dir", str(tmp_path / "s"), "--runs-dir", str(tmp_path / "r"), "--no-cache"]


def test_diagnose_wrong_pin_as_json(capsys, tmp_path: Path) -> None:
    code, out, _ = run(
        capsys,
        "diagnose",
        "--lab",
        "--scenario",
        "wrong-pin",
        "--ext",
        "5551234",
        "--pin",
        "13579",
        "--json",
        *lab_args(tmp_path),
    )
    result = json.loads(out)
    assert code == 5
    assert result["Findings"][0]["Id"] == "webticket.pin_rejected"
    assert "Set-CsClientPin" in result["Diagnosis"]
    assert "13579" not in out


def test_diagnose_prints_findings_then_the_result(capsys, tmp_path: Path) -> None:
    code, out, _ = run(
        capsys,
        "diagnose",
        "--lab",
        "--scenario",
        "registrar-unreachable",
        "--ext",
        "5551234",
        "--pin",
        "13579",
        *lab_args(tmp_path),
    )
    assert code == 7
    assert out.index("No registrar answered") < out.index("TargetUri")
    assert "registrar.unreachable" in out


def test_a_saved_run_can_be_diagnosed_again(capsys, tmp_path: Path) -> None:
    code, out, _ = run(
        capsys,
        "boot",
        "--lab",
        "--scenario",
        "certprov-404",
        "--ext",
        "5551234",
        "--pin",
        "13579",
        "--json",
        *lab_args(tmp_path),
    )
    booted = json.loads(out)
    run_dir = booted["RunFolder"]
    code, out, _ = run(capsys, "diagnose", "--from-run", run_dir, "--json")
    assert code == 6
    again = json.loads(out)
    # The same shape as `diagnose --json` and `boot --json`: scripts read either.
    assert set(again) == set(booted)
    assert again["Findings"][0]["Id"] == "certprov.not_found"
    assert again["Reason"] == "certprov.http_404"


def test_a_run_cut_short_is_diagnosed_from_its_trace(capsys, tmp_path: Path) -> None:
    code, out, _ = run(
        capsys,
        *("boot", "--lab", "--scenario", "wrong-pin", "--ext", "5551234", "--pin", "13579"),
        *("--json", *lab_args(tmp_path)),
    )
    run_dir = Path(json.loads(out)["RunFolder"])
    (run_dir / "result.json").unlink()  # as a boot killed before its end leaves it
    code, out, _ = run(capsys, "diagnose", "--from-run", str(run_dir), "--json")
    shown = json.loads(out)
    assert code == 0  # no result to take an exit code from
    assert shown["Result"] is None
    assert shown["Findings"][0]["Id"] == "webticket.pin_rejected"


def test_scenario_without_lab_is_refused(capsys) -> None:
    code, _, err = run(
        capsys,
        "boot",
        "--scenario",
        "wrong-pin",
        "--dhcp-server",
        "127.0.0.1",
        "--dns",
        "127.0.0.1",
        "--domain",
        "x.test",
        "--address",
        "127.0.0.1",
        "--ext",
        "1",
        "--pin",
        "1234",
    )
    assert code == 2 and "--scenario needs --lab" in err


def test_a_bad_scenario_file_is_one_line_with_its_line_number(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "site.toml"
    bad.write_text('[scenario]\nsummary = "x"\n[registrar]\nstate = "sleepy"\n')
    code, _, err = run(
        capsys,
        "boot",
        "--lab",
        "--scenario",
        str(bad),
        "--ext",
        "5551234",
        "--pin",
        "13579",
        *lab_args(tmp_path),
    )
    assert code == 2
    assert err.strip() == (
        f'phonesim: error: {bad}: line 4: field \'registrar.state\' must be "up", "down" or "busy"'
    )


def test_scenarios_lists_the_catalogue_and_shows_one(capsys) -> None:
    code, out, _ = run(capsys, "scenarios")
    assert code == 0
    for name in catalogue():
        assert name in out
    code, out, _ = run(capsys, "scenarios", "--show", "pin-locked")
    assert code == 0 and "failed_attempts = 25" in out
    code, _, err = run(capsys, "scenarios", "--show", "nope")
    assert code == 2 and "no scenario 'nope'" in err


def test_a_finding_title_is_whole_in_a_pipe_80_columns_wide(
    capsys, tmp_path: Path, monkeypatch
) -> None:
    """Piped output is 80 columns: a title in the panel's frame would be cut there, and
    the Director finding would lose the home pool's name."""
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run(
        capsys,
        "diagnose",
        "--lab",
        "--scenario",
        "director-redirect",
        "--ext",
        "5551234",
        "--pin",
        "13579",
        *lab_args(tmp_path),
    )
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 80
    joined = " ".join(word for line in out.splitlines() for word in line.strip("│ ").split())
    assert (
        "Signed in through Director pool01.phonesim.test:5061, homed on pool "
        "pool02.phonesim.test:5061" in joined
    )
