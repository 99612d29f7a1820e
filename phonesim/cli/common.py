"""What every `phonesim` command shares: exit codes, argument parsers, default folders."""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Sequence
from pathlib import Path

from phonesim.core.flow import STOP_AFTER

_NEGATIVE = re.compile(r"^-\.?\d")
"""A value that starts with a minus sign: a negative number or duration, not an option."""

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

STAGES = tuple(str(stage) for stage in STOP_AFTER)
"""The stages a boot can stop after, from the boot's own table (a module of plain data, so
`--help` does not load the core)."""


class CommandParser(argparse.ArgumentParser):
    """One command's parser: an option it does not know is reported with its own usage.

    argparse hands a subcommand's leftovers back to the top-level parser, which
    then prints `usage: phonesim [-h] [--version] COMMAND ...`: no help to
    someone who mistyped an option of `phonesim boot`.
    """

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        if args is not None:
            args = self._negative_values_kept(list(args))
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras

    def _negative_values_kept(self, args: list[str]) -> list[str]:
        """`--hold -5s` as `--hold=-5s`: argparse takes `-5s` for an option and answers
        "expected one argument"; given as the value, the option's own check says what is
        wrong with it and where."""
        kept: list[str] = []
        options = self._option_string_actions
        for arg in args:
            action = options.get(kept[-1]) if kept else None
            if (
                action is not None
                and action.nargs is None
                and kept[-1].startswith("--")
                and _NEGATIVE.match(arg)
            ):
                kept[-1] = f"{kept[-1]}={arg}"
            else:
                kept.append(arg)
        return kept


def default_state_dir() -> Path:
    if os.environ.get("PHONESIM_STATE_DIR"):
        return Path(os.environ["PHONESIM_STATE_DIR"])
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "phonesim"
