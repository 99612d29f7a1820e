"""The examples of `decode` and `dhcp-config`, in their `--help` and in the README, run as printed.

Each example line is taken from the help text or the README itself and run by
bash with the installed `phonesim` first on PATH, pipes and all; a `# exit N`
comment after an example says the exit code it shows, otherwise it must exit
0. A README transcript (`$ phonesim ...` and the lines after it) must print
exactly those lines.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from phonesim.cli import decode_command, dhcp_config_command

BIN = Path(sys.executable).parent
README = Path(__file__).resolve().parents[2] / "README.md"
COMMANDS = ("phonesim decode", "phonesim dhcp-config")


def examples(epilog: str) -> list[str]:
    """The `phonesim ...` commands under "examples:", continuation lines joined."""
    commands: list[str] = []
    lines = epilog.split("examples:\n", 1)[1].splitlines()
    for line in lines:
        if not line.startswith("  "):
            break
        if commands and commands[-1].endswith("\\"):
            commands[-1] = commands[-1][:-1] + line.strip()
        elif line.strip().startswith("phonesim "):
            commands.append(line.strip())
    return commands


def readme_commands() -> list[str]:
    """`phonesim decode` / `dhcp-config` command lines in the README's code blocks."""
    commands: list[str] = []
    in_block = False
    for line in README.read_text().splitlines():
        if line.startswith("```"):
            in_block = not in_block
        elif in_block and commands and commands[-1].endswith("\\"):
            commands[-1] = commands[-1][:-1] + line.strip()
        elif in_block and line.startswith(COMMANDS):
            commands.append(line)
    return commands


def readme_transcripts() -> list[tuple[str, list[str]]]:
    """`$ phonesim ...` lines of the README's code blocks, with the lines after them."""
    transcripts: list[tuple[str, list[str]]] = []
    current: list[str] | None = None
    in_block = False
    for line in README.read_text().splitlines():
        if line.startswith("```"):
            in_block, current = not in_block, None
        elif in_block and line.startswith(tuple(f"$ {c}" for c in COMMANDS)):
            current = []
            transcripts.append((line[2:], current))
        elif in_block and line.startswith("$ "):
            current = None
        elif current is not None:
            current.append(line)
    return transcripts


EXAMPLES = [
    *(("decode --help", command) for command in examples(decode_command.EPILOG)),
    *(("dhcp-config --help", command) for command in examples(dhcp_config_command.EPILOG)),
    *(("README", command) for command in readme_commands()),
]


def run(example: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env["COLUMNS"] = "200"
    return subprocess.run(
        ["bash", "-o", "pipefail", "-c", example],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_each_place_has_examples() -> None:
    places = [place for place, _ in EXAMPLES]
    assert places.count("decode --help") >= 5 and places.count("dhcp-config --help") >= 2
    assert places.count("README") >= 5
    assert readme_transcripts()


@pytest.mark.parametrize(("place", "example"), EXAMPLES)
def test_an_example_runs_as_printed(place: str, example: str, tmp_path: Path) -> None:
    expected = re.search(r"#\s*exit (\d)", example)
    done = run(example, tmp_path)
    assert done.returncode == (int(expected.group(1)) if expected else 0), done.stderr
    assert done.stdout.strip() and "error" not in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(("example", "printed"), readme_transcripts())
def test_a_readme_transcript_is_what_phonesim_prints(
    example: str, printed: list[str], tmp_path: Path
) -> None:
    done = run(example, tmp_path)
    assert (done.stdout + done.stderr).splitlines() == printed
