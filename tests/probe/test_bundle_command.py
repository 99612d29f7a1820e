"""`phonesim bundle RUN_DIR`: one zip with the run, its report, the profile, phonesim's
version and the command line, and never the PIN."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from phonesim.cli import main

PIN = "24680"


def booted(capsys, tmp_path: Path) -> Path:
    run = tmp_path / "20261130T101502-polycom-cx600-5551234"
    code = main(
        [
            "boot",
            "--lab",
            "--scenario",
            "wrong-pin",
            "--ext",
            "5551234",
            "--pin",
            PIN,
            "--state-dir",
            str(tmp_path / "state"),
            "--run-dir",
            str(run),
            "--json",
        ]
    )
    assert code == 5
    capsys.readouterr()
    return run


def test_the_zip_holds_the_run_report_profile_version_and_command_line(capsys, tmp_path) -> None:
    run = booted(capsys, tmp_path)
    assert main(["bundle", str(run), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    zipped = Path(shown["Bundle"])
    assert zipped == tmp_path / f"{run.name}.zip"
    with zipfile.ZipFile(zipped) as archive:
        names = set(archive.namelist())
        assert names == {member["Name"] for member in shown["Members"]}
        root = run.name
        for name in ("report.html", "cpsw3g.log", "trace.jsonl", "result.json", "capture.pcap"):
            assert f"{root}/{name}" in names
        assert f"{root}/profile/polycom-cx600.toml" in names
        manifest = json.loads(archive.read(f"{root}/bundle.json"))
        assert manifest["PhonesimVersion"]
        argv = manifest["CommandLine"]
        assert argv[argv.index("--pin") + 1] == "<removed>"
        assert "--scenario" in argv
        # Every member, compressed or not, read whole: the PIN is in none of them.
        for name in names:
            assert PIN.encode() not in archive.read(name), name
    assert PIN.encode() not in zipped.read_bytes()


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda tmp: tmp / "missing", "no such folder"),
        (lambda tmp: (tmp / "file").write_text("x") and tmp / "file", "not a folder"),
        (lambda tmp: (tmp / "empty").mkdir() or tmp / "empty", "not a run folder"),
    ],
)
def test_a_folder_that_is_not_a_run_is_one_clear_line(capsys, tmp_path, make, words) -> None:
    target = make(tmp_path)
    assert main(["bundle", str(target)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and words in err and "Traceback" not in err


def test_a_run_folder_from_before_pages_gets_one_made_from_its_trace(capsys, tmp_path) -> None:
    run = booted(capsys, tmp_path)
    (run / "report.html").unlink()
    out = tmp_path / "ticket.zip"
    assert main(["bundle", str(run), "-o", str(out), "--json"]) == 0
    members = {m["Name"]: m for m in json.loads(capsys.readouterr().out)["Members"]}
    made = members[f"{run.name}/report.html"]
    assert made["From"] == "made for the bundle"
    with zipfile.ZipFile(out) as archive:
        page = archive.read(made["Name"]).decode()
    assert 'class="bar failed"' in page and "webticket.pin_rejected" in page
