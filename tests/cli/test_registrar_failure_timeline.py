"""A registrar that fails is told on the timeline, and the boot still ends with its result
and exit code 7 (hardening review D2: the timeline once raised KeyError on the final
`registrar.failed` event, so `phonesim boot` died with no result.json)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from phonesim.cli import main
from phonesim.core.commands import Trace
from phonesim.report.timeline import TimelinePrinter

USER = ("--ext", "5551234", "--pin", "13579")


@pytest.mark.parametrize("command", [("boot",), ("diagnose", "--timeline")])
def test_registrar_unreachable_ends_with_its_result_on_the_timeline(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: tuple[str, ...]
) -> None:
    run_dir = tmp_path / "run"
    code = main(
        [
            *command,
            *("--lab", "--scenario", "registrar-unreachable", *USER, "--no-cache"),
            *("--state-dir", str(tmp_path / "s"), "--run-dir", str(run_dir)),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 7, err
    assert "registrar.unreachable" in out
    assert json.loads((run_dir / "result.json").read_text())["ExitCode"] == 7


def test_an_event_the_sentences_cannot_word_is_printed_raw_and_the_boot_goes_on() -> None:
    stream = io.StringIO()
    printer = TimelinePrinter(Console(file=stream, width=200))
    # The final registrar failure carries reason/message/tried, not registrar/kind/detail.
    printer.print(Trace(1.5, "registrar", "attempt_failed", {"unexpected": 1}))
    printer.print(Trace(2.0, "registrar", "failed", {"reason": "registrar.unreachable"}))
    text = stream.getvalue()
    assert "1.500s registrar" in text and "unexpected" in text
    assert "registrar.unreachable" in text
    assert not printer.reader_gone
