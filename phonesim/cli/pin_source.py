"""Where the user's PIN comes from, keeping it out of the process table.

`--pin DIGITS` is an argument, and every user of a shared jump host can read
arguments with `ps`. A file (`--pin-file`), the environment (`PHONESIM_PIN`,
readable only by the same user and root) or a prompt without echo keep it
private. The command line wins over the environment, the environment over the
prompt; the two command-line sources together are a contradiction, not a
preference.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phonesim.errors import UsageError

PIN_VARIABLE = "PHONESIM_PIN"
WHERE_A_PIN_COMES_FROM = f"--pin-file FILE, ${PIN_VARIABLE} or --pin DIGITS"


@dataclass(frozen=True)
class ChosenPin:
    value: str = field(repr=False)
    source: str
    """How the user gave it, for messages: `--pin`, `--pin-file FILE`, `$PHONESIM_PIN`..."""


def add_pin_arguments(group: Any) -> None:
    group.add_argument(
        "--pin-file",
        type=Path,
        metavar="FILE",
        help="read the user's PIN from the first line of FILE (keep it chmod 600)",
    )
    group.add_argument(
        "--pin",
        metavar="DIGITS",
        help=f"the user's PIN; others on this machine can see it with `ps`: prefer --pin-file "
        f"or ${PIN_VARIABLE} (without any, the PIN is asked for on a terminal)",
    )


def pin_from_args(
    args: argparse.Namespace,
    *,
    warn: Callable[[str], None],
    ask: Callable[[str], str] | None = None,
) -> ChosenPin:
    """The PIN from --pin, --pin-file, $PHONESIM_PIN or a prompt, in that order.

    `ask` prompts without echo; it is used only when stdin is a terminal.
    """
    if args.pin is not None and args.pin_file is not None:
        raise UsageError("choose one of --pin and --pin-file")
    if args.pin is not None:
        return ChosenPin(str(args.pin), "--pin")
    if args.pin_file is not None:
        return ChosenPin(read_pin_file(args.pin_file, warn), f"the PIN in {args.pin_file}")
    from_environment = os.environ.get(PIN_VARIABLE)
    if from_environment:
        return ChosenPin(from_environment, f"${PIN_VARIABLE}")
    if sys.stdin.isatty():
        return ChosenPin((ask or _ask_without_echo)(f"PIN for {args.ext}: "), "the PIN typed")
    raise UsageError(f"say the user's PIN: {WHERE_A_PIN_COMES_FROM}")


def read_pin_file(path: Path, warn: Callable[[str], None]) -> str:
    """The first line of the file, without its line ending."""
    try:
        with path.open(encoding="utf-8") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            first = handle.readline()
    except OSError as error:
        raise UsageError(f"--pin-file {path}: cannot read it ({error.strerror})") from None
    except UnicodeDecodeError:
        raise UsageError(f"--pin-file {path}: not a text file") from None
    pin = first.rstrip("\r\n")
    if not pin:
        raise UsageError(f"--pin-file {path}: the first line is empty")
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        warn(f"--pin-file {path} can be read by other users (chmod 600 {path})")
    return pin


def _ask_without_echo(prompt: str) -> str:
    import getpass

    try:
        return getpass.getpass(prompt)
    except EOFError:
        raise UsageError("no PIN typed") from None
