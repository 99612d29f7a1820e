"""`phonesim decode` on pasted text that once gave tracebacks or ran for minutes (D10).

Every paste ends in output or one error line; none takes long, whatever its length.
"""

from __future__ import annotations

import contextlib
import time

import pytest

from phonesim.cli import main
from phonesim.codec.pasted_option import read_pasted_text
from phonesim.errors import PhonesimError

PASTES = [
    'option 60 ascii "€"',
    'netsh dhcp server set optionvalue 60 STRING "€"',
    'option vendor-class-identifier "€";',
    'netsh dhcp server add class X "d" "MS-UC-Clïent€" 1',
    "option option-² 00;",
    "option option-" + "9" * 5000 + " 00;",
    "option 43 hex ²",
    "Option ²: 00",
    "dhcp-option=²,00",
]


@pytest.mark.parametrize("paste", PASTES, ids=range(len(PASTES)))
def test_d10_paste_gives_output_or_one_error_line(
    paste: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["decode", paste])
    out, err = capsys.readouterr()
    assert code in (0, 2)
    assert "Traceback" not in out + err
    if code == 2:
        assert err.startswith("phonesim: error:") and err.count("\n") == 1


# Each a line with long runs of blanks inside a value, one per line reader: the
# readers' old patterns, `(.+?)\s*;?\s*$` and kin, backtracked over the runs
# (cubic, then quadratic: 8,000 blanks took 0.7 s, these take minutes).
BLANK = " " * 60_000
LONG_LINES = {
    "isc dhcpd": f"option x y{BLANK}~{BLANK}",
    "isc dhcpd definition": f"option x code 5 ={BLANK}y{BLANK}",
    "isc dhcpd no value": f"option x{BLANK}y",
    "cisco ios": f"option 43 ascii a{BLANK}b{BLANK}~",
    "dhcputil": f"Option 43: a{BLANK}b{BLANK}~",
    "dhcputil part": f"Option 43 part 1 of 2: a{BLANK}b{BLANK}~",
    "dnsmasq": f"dhcp-option=43,a{BLANK}b{BLANK}~",
}


@pytest.mark.parametrize("paste", LONG_LINES.values(), ids=LONG_LINES.keys())
def test_d10_long_blank_runs_are_read_in_linear_time(paste: str) -> None:
    started = time.perf_counter()
    with contextlib.suppress(PhonesimError):
        read_pasted_text(paste)
    # About 0.05 s each now; the old patterns took well over a minute here.
    assert time.perf_counter() - started < 10
