"""`phonesim diagnose --from-run` on a run folder someone edited or damaged: one line naming
the file (and the field, where it can), never a traceback (hardening review D15).

The folders are a real run's, each with one value replaced by one a careless edit or a
broken disk leaves: wrong type, not finite, huge, missing. Every field of
every event is edited in turn, so every run of the suite tries the same ones.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from phonesim.cli import main

ODD_VALUES: tuple[Any, ...] = ("5a", None, [], {"a": 1}, -1, 1e308, ["x"])


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wrong-pin run folder, as `phonesim boot` writes it."""
    base = tmp_path_factory.mktemp("saved")
    code = main(
        [
            *("boot", "--lab", "--scenario", "wrong-pin", "--ext", "5551234", "--pin", "13579"),
            *("--json", "--no-cache", "--state-dir", str(base / "s"), "--run-dir", str(base / "r")),
        ]
    )
    assert code == 5
    return base / "r"


@pytest.fixture(scope="module")
def certificate_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run refused at TLS: its trace holds certificates, whose readers are the deepest."""
    base = tmp_path_factory.mktemp("saved")
    code = main(
        [
            *("boot", "--lab", "--scenario", "untrusted-server-certificate"),
            *("--ext", "5551234", "--pin", "13579", "--json", "--no-cache"),
            *("--state-dir", str(base / "s"), "--run-dir", str(base / "r")),
        ]
    )
    assert code == 6
    return base / "r"


def _diagnose(capsys: pytest.CaptureFixture[str], folder: Path, *extra: str) -> tuple[int, str]:
    code = main(["diagnose", "--from-run", str(folder), *extra])
    out, err = capsys.readouterr()
    return code, out + err


def _copy(saved_run: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "run"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(saved_run, folder)
    return folder


@pytest.mark.parametrize(
    ("key", "value", "named"),
    [
        ("ExitCode", "5a", "ExitCode"),
        ("ExitCode", 1e308, "ExitCode"),
        ("ExitCode", 300, "ExitCode"),
        ("Result", ["Failure"], "Result"),
        ("Error", {"a": 1}, "Error"),
        ("Held", "yes", "Held"),
        ("LatencySeconds", "fast", "LatencySeconds"),
    ],
)
def test_a_result_field_of_the_wrong_type_is_one_line_naming_it(
    capsys: pytest.CaptureFixture[str],
    saved_run: Path,
    tmp_path: Path,
    key: str,
    value: Any,
    named: str,
) -> None:
    folder = _copy(saved_run, tmp_path)
    result = json.loads((folder / "result.json").read_text())
    result[key] = value
    (folder / "result.json").write_text(json.dumps(result))
    code, text = _diagnose(capsys, folder)
    assert code == 2
    assert "Traceback" not in text
    lines = text.strip().splitlines()
    assert len(lines) == 1 and "result.json" in lines[0] and named in lines[0]


def test_a_result_without_its_result_key_is_still_shown(
    capsys: pytest.CaptureFixture[str], saved_run: Path, tmp_path: Path
) -> None:
    folder = _copy(saved_run, tmp_path)
    result = json.loads((folder / "result.json").read_text())
    del result["Result"]
    (folder / "result.json").write_text(json.dumps(result))
    code, text = _diagnose(capsys, folder)
    assert code == 5
    assert "webticket.pin_rejected" in text


@pytest.mark.parametrize("text", ["[1, 2]", "NaN", "{", "[" * 100_000, "\udcff"])
def test_a_result_file_that_is_no_result_is_one_line(
    capsys: pytest.CaptureFixture[str], saved_run: Path, tmp_path: Path, text: str
) -> None:
    folder = _copy(saved_run, tmp_path)
    (folder / "result.json").write_bytes(text.encode("utf-8", "surrogateescape"))
    code, out = _diagnose(capsys, folder)
    assert code == 2
    assert len(out.strip().splitlines()) == 1 and "result.json" in out


def _trace_edits(saved_run: Path) -> Iterator[tuple[int, str, Any]]:
    """Every field of every event (and its time), each with every odd value."""
    lines = (saved_run / "trace.jsonl").read_text().splitlines()
    for number, line in enumerate(lines):
        for name in [*json.loads(line)["fields"], "t"]:
            for value in ODD_VALUES:
                yield number, name, value


def test_an_edited_trace_value_never_escapes_as_a_traceback(
    capsys: pytest.CaptureFixture[str], certificate_run: Path, tmp_path: Path
) -> None:
    lines = (certificate_run / "trace.jsonl").read_text().splitlines()
    folder = _copy(certificate_run, tmp_path)
    outcomes: dict[int, int] = {}
    for number, name, value in _trace_edits(certificate_run):
        event = json.loads(lines[number])
        if name == "t":
            event["t"] = value
        else:
            event["fields"][name] = value
        edited = [*lines[:number], json.dumps(event), *lines[number + 1 :]]
        (folder / "trace.jsonl").write_text("\n".join(edited) + "\n")
        code, out = _diagnose(capsys, folder, "--json")
        assert "Traceback" not in out, (number, name, value)
        assert code in (2, 6), (number, name, value, out[-300:])
        outcomes[code] = outcomes.get(code, 0) + 1
    # Most edits leave a readable trace: the test reaches the diagnosis, not only the reader.
    assert outcomes.get(6, 0) > outcomes.get(2, 0)
