"""The examples in `phonesim decode --help` and `phonesim dhcp-config --help` run as printed.

Each example line is taken from the help text itself and run by bash with the
installed `phonesim` first on PATH, pipes and all; a `# exit N` comment after
an example says the exit code it shows, otherwise it must exit 0.
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


EXAMPLES = [
    *(("decode", command) for command in examples(decode_command.EPILOG)),
    *(("dhcp-config", command) for command in examples(dhcp_config_command.EPILOG)),
]


def test_each_help_has_examples() -> None:
    assert len([c for c, _ in EXAMPLES if c == "decode"]) >= 5
    assert len([c for c, _ in EXAMPLES if c == "dhcp-config"]) >= 2


@pytest.mark.parametrize(("command", "example"), EXAMPLES)
def test_a_help_example_runs_as_printed(command: str, example: str, tmp_path: Path) -> None:
    expected = re.search(r"#\s*exit (\d)", example)
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env["COLUMNS"] = "200"
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", example],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == (int(expected.group(1)) if expected else 0), done.stderr
    assert done.stdout.strip() and "error" not in done.stderr and "Traceback" not in done.stderr
