"""Every reader's output on every golden trace (and `phonesim replay` on the example captures)
is its golden rendering, character for character.

The trace goldens hold the phone still; these hold the readers still: a change
to the diagnosis, the timeline, the device log, the fleet's step clock or the
replay that is meant to say the same thing leaves every file here unchanged.
When a change is meant, `pytest tests/golden --update-goldens` rewrites them and
the diff goes into review with it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.golden.boots import BOOTS, GOLDEN
from tests.golden.renderings import RENDERINGS, render, render_replay, rendering_file
from tests.replay import gap_captures
from tests.replay.captures import CAPTURES

ROOT = GOLDEN.parent.parent
EXAMPLE_CAPTURES = sorted(p.name for p in CAPTURES.iterdir() if p.suffix in (".pcap", ".pcapng"))
GAP_CAPTURES: dict[str, Callable[[Path], Path]] = {
    "span-without-replies": gap_captures.span_without_replies,
    "replies-filtered-out": gap_captures.replies_filtered_out,
    "late-answers-elsewhere": gap_captures.late_answers_elsewhere,
    "site-did-not-answer": gap_captures.site_did_not_answer,
    "stopped-after-inform": gap_captures.stopped_after_inform,
}


@pytest.fixture
def plain_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 120-column output that is not a terminal, whatever the environment says."""
    monkeypatch.setenv("COLUMNS", "120")
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)


def _compare(path: Path, text: str, update: bool) -> None:
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"{path} is missing: write it with `pytest tests/golden --update-goldens`")
    golden = path.read_text(encoding="utf-8")
    if text != golden:
        import difflib

        diff = difflib.unified_diff(
            golden.splitlines(),
            text.splitlines(),
            fromfile=str(path.relative_to(ROOT)),
            tofile="this run",
            lineterm="",
        )
        pytest.fail(
            "a reader's output differs from its golden rendering (if that is meant: "
            "pytest tests/golden --update-goldens)\n" + "\n".join(diff),
            pytrace=False,
        )


@pytest.mark.parametrize("name", sorted(BOOTS))
def test_what_every_reader_makes_of_a_golden_trace_is_unchanged(
    name: str, update_goldens: bool
) -> None:
    _compare(rendering_file(name), render(name), update_goldens)


@pytest.mark.parametrize("capture", EXAMPLE_CAPTURES)
def test_a_replay_of_an_example_capture_is_unchanged(
    capture: str, update_goldens: bool, monkeypatch: pytest.MonkeyPatch, plain_terminal: None
) -> None:
    monkeypatch.chdir(ROOT)
    text = render_replay(Path("examples/captures") / capture)
    _compare(RENDERINGS / "replay" / f"{capture}.txt", text, update_goldens)


@pytest.mark.parametrize("name", sorted(GAP_CAPTURES))
def test_a_replay_of_a_capture_with_a_gap_is_unchanged(
    name: str,
    update_goldens: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    plain_terminal: None,
) -> None:
    monkeypatch.chdir(tmp_path)
    path = GAP_CAPTURES[name](tmp_path)
    text = render_replay(path.relative_to(tmp_path))
    _compare(RENDERINGS / "replay" / f"{name}.txt", text, update_goldens)


def test_every_rendering_belongs_to_a_golden_or_a_capture() -> None:
    expected = {f"{name}.txt" for name in BOOTS}
    expected |= {f"replay/{name}.txt" for name in [*EXAMPLE_CAPTURES, *GAP_CAPTURES]}
    files = {str(p.relative_to(RENDERINGS)) for p in RENDERINGS.rglob("*.txt")}
    assert files == expected
