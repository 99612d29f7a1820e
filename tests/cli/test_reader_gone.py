"""A reader that goes away (`phonesim ... | head`) ends every command with the broken-pipe
code (141), never with a code the command gives a meaning to (decode's 1 is "the phone
would not use this value", replay's 1 is "the live answer differs")."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

EXIT_BROKEN_PIPE = 141
NETSH_OPTION_120 = "00 06 70 6F 6F 6C 30 31 07 63 6F 6E 74 6F 73 6F 04 74 65 73 74 00"


@pytest.mark.parametrize(
    "argv",
    [
        ("decode", "--option", "120", "0006706f6f6c303107636f6e746f736f0474657374"),  # a warning
        ("decode", "--option", "120", NETSH_OPTION_120),
        ("scenarios",),
        ("scenarios", "--json"),
        ("profiles",),
        ("dhcp-config", "--sip-server", "pool01.contoso.test"),
    ],
)
def test_a_reader_gone_before_the_first_line_ends_with_the_broken_pipe_code(
    argv: tuple[str, ...],
) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will read: the first write fails with EPIPE
    try:
        done = subprocess.run(
            [sys.executable, "-m", "phonesim", *argv],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            env={**os.environ, "COLUMNS": "100"},
        )
    finally:
        os.close(write_end)
    assert done.returncode == EXIT_BROKEN_PIPE, done.stderr
    assert done.stderr == ""
