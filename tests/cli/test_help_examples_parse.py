"""Every line under `examples:` in a command's help is a command line the real parser takes,
for that command, naming the files phonesim really writes."""

from __future__ import annotations

import argparse
import re
import shlex

import pytest

from phonesim.cli import build_parser

PARSER = build_parser()
COMMANDS: dict[str, argparse.ArgumentParser] = next(
    action.choices for action in PARSER._actions if isinstance(action, argparse._SubParsersAction)
)
COMMENT = re.compile(r"\s{2,}\(.*\)$")


def examples(help_epilog: str | None) -> list[list[str]]:
    """The example command lines, as argv after `phonesim`."""
    if not help_epilog or "examples:\n" not in help_epilog:
        return []
    block = help_epilog.split("examples:\n", 1)[1].split("\n\n", 1)[0]
    lines: list[str] = []
    for line in block.splitlines():
        if lines and lines[-1].endswith("\\"):
            lines[-1] = lines[-1][:-1] + " " + line.strip()
        else:
            lines.append(line.strip())
    argvs = []
    for line in lines:
        command = COMMENT.sub("", line).split(" | ")[-1].split(" > ")[0]
        words = shlex.split(command)
        if words[0] == "sudo":
            words = words[1:]
        assert words[0] == "phonesim", line
        argvs.append(words[1:])
    return argvs


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_shows_examples(command: str) -> None:
    assert examples(COMMANDS[command].epilog), f"`phonesim {command} --help` shows no examples"


CASES = [
    pytest.param(command, argv, id=f"{command}:{' '.join(argv)}")
    for command, parser in sorted(COMMANDS.items())
    for argv in examples(parser.epilog)
]


@pytest.mark.parametrize(("command", "argv"), CASES)
def test_an_example_parses_as_its_command(command: str, argv: list[str]) -> None:
    assert argv[0] == command
    args = PARSER.parse_args(argv)  # argparse exits on anything it cannot take
    assert args.command == command
    lab_endpoints = getattr(args, "lab_endpoints", None)
    if lab_endpoints is not None:
        assert lab_endpoints == COMMANDS["lab"].get_default("endpoints_file"), (
            "an example names an endpoints file `phonesim lab` does not write"
        )
