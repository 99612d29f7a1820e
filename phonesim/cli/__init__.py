"""The `phonesim` command line. Thin: parse, pick a driver, render. No phone behaviour here.

Each command lives in its own module with `register(subparsers)`, which adds
its parser and sets `run`; heavy imports stay inside `run` so that
`phonesim --help` answers at once.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from phonesim.cli.common import EXIT_INTERRUPTED, EXIT_USAGE, CommandParser
from phonesim.codec.scapy_cache import avoid_unusable_scapy_cache
from phonesim.errors import PhonesimError

EXIT_BROKEN_PIPE = 141
"""As a shell reports a command ended by SIGPIPE."""

COMMAND_MODULES = (
    "boot_command",
    "dhcp_config_command",
    "diagnose_command",
    "fleet_command",
    "lab_command",
    "scenarios_command",
    "profiles_command",
    "replay_command",
    "decode_command",
    "probe_command",
    "bundle_command",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="phonesim",
        description=(
            "Emulates the IP phones (Polycom CX600, Aastra 6725ip) that sign in to Lync Server "
            "2010 with extension and PIN: DHCPINFORM for options 43/120, DNS SRV, root chain, "
            "web ticket, certificate, registrar."
        ),
    )
    parser.add_argument("--version", action="version", version=f"phonesim {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=CommandParser)
    for name in COMMAND_MODULES:
        importlib.import_module(f"phonesim.cli.{name}").register(commands)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("phonesim")
    except PackageNotFoundError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    from phonesim.report.command_line import record_command_line

    record_command_line(["phonesim", *(sys.argv[1:] if argv is None else argv)])
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    avoid_unusable_scapy_cache()
    try:
        return int(args.run(args))
    except PhonesimError as error:
        print(f"phonesim: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("phonesim: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`phonesim ... | head`): say nothing more. Python's own
        # flush at exit would fail again, so stdout goes to /dev/null first.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


__all__ = ["build_parser", "main"]
