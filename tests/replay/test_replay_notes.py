"""Every note a replay writes beside the phone's trace is declared in `replay/replay_notes.py`
with the fields it carries, so the timeline and the findings read it by its declaration."""

from __future__ import annotations

import ast
from pathlib import Path

from phonesim.replay.replay_notes import NOTES, note_named

REPLAY = Path(__file__).resolve().parents[2] / "phonesim" / "replay"
REPLAYERS = (REPLAY / "session_replayer.py", REPLAY / "replay_run.py")


def notes_written() -> list[tuple[str, set[str], int]]:
    """(name, keyword fields, line) of every `….note(now, "<name>", ...)` call."""
    found = []
    for replayer in REPLAYERS:
        for node in ast.walk(ast.parse(replayer.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "note":
                name = node.args[1]
                assert isinstance(name, ast.Constant), ast.unparse(node)
                fields = {k.arg for k in node.keywords if k.arg is not None}
                found.append((name.value, fields, node.lineno))
    return found


def test_every_note_the_replayer_writes_is_declared_with_its_fields() -> None:
    written = notes_written()
    assert len(written) >= 5
    for name, fields, line in written:
        note = note_named(name)
        assert note is not None, (name, line)
        assert fields <= note.fields, (name, sorted(fields - note.fields), line)


def test_every_declared_note_is_written() -> None:
    assert {name for name, _, _ in notes_written()} == {note.name for note in NOTES}
