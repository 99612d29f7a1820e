"""The command line that made a run folder, with the PIN taken out.

A colleague handed a run needs to know how it was asked for (which servers, which stop
stage, which profile) to repeat it; the one thing they must not get is the PIN, which
`--pin` puts among the arguments.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

COMMAND_LINE = "command-line.json"
REMOVED = "<removed>"
_SECRET_OPTIONS = ("--pin",)
_given: list[str] | None = None


def record_command_line(argv: Sequence[str]) -> None:
    """The command as `phonesim`'s entry point was given it (a caller of `main([...])` is not
    `sys.argv`); run folders written after this keep it, the PIN removed."""
    global _given
    _given = without_pin(argv)


def without_pin(argv: Sequence[str]) -> list[str]:
    """`argv` with the value of every `--pin` (as `--pin X` or `--pin=X`) replaced."""
    kept: list[str] = []
    hide_next = False
    for arg in argv:
        if hide_next:
            kept.append(REMOVED)
            hide_next = False
        elif arg in _SECRET_OPTIONS:
            kept.append(arg)
            hide_next = True
        elif any(arg.startswith(f"{option}=") for option in _SECRET_OPTIONS):
            kept.append(f"{arg.partition('=')[0]}={REMOVED}")
        else:
            kept.append(arg)
    return kept


def command_line_record(argv: Sequence[str] | None = None) -> dict[str, object]:
    """What the run folder keeps: the program and its arguments, the PIN removed."""
    args = list(argv if argv is not None else _given if _given is not None else sys.argv)
    return {"Argv": without_pin(args), "PinRemoved": REMOVED in " ".join(without_pin(args))}


__all__ = ["COMMAND_LINE", "command_line_record", "record_command_line", "without_pin"]
