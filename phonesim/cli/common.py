"""What every `phonesim` command shares: exit codes, argument parsers, default folders."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

from phonesim.core.flow import STOP_AFTER

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
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras


def default_state_dir() -> Path:
    if os.environ.get("PHONESIM_STATE_DIR"):
        return Path(os.environ["PHONESIM_STATE_DIR"])
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "phonesim"
