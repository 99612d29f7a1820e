"""Large inputs, each shaped where a reader could backtrack or recurse, read within a bound.

The paste line readers did (D10: `tests/cli/test_decode_hostile_paste.py`); these
hold the others to the same. Each input is about a megabyte; each read takes
well under a second.
"""

from __future__ import annotations

import contextlib
import time

import pytest

from phonesim.errors import PhonesimError
from tests.fuzz.target import SLOWEST_ALLOWED
from tests.fuzz.targets_text import TEXT_TARGETS
from tests.fuzz.targets_web import WEB_TARGETS
from tests.fuzz.targets_wire import WIRE_TARGETS

READERS = {target.name: target.read for target in WIRE_TARGETS + WEB_TARGETS + TEXT_TARGETS}
N = 100_000
LOG_LINE = b"2026-11-23 10:15:02.123 0x00000A40 INFO  DHCP: inform_sent"
WSDL = b'xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"'

LARGE = {
    "ms-diagnostics-header pairs": ("ms-diagnostics-header", b"28020" + b';a="\\"b"' * N),
    "ms-diagnostics-header blanks": ("ms-diagnostics-header", b"28020;a=" + b" " * N * 10 + b"x"),
    "device-log fields": ("device-log", LOG_LINE + b" k=v" * N),
    "device-log blanks": ("device-log", LOG_LINE + b" " * N * 10 + b"k"),
    "device-log escapes": ("device-log", LOG_LINE + b' k="' + b'\\"' * N),
    "tls-dsk-header escapes": ("tls-dsk-header", b'WWW-Authenticate: TLS-DSK a="' + b'\\"' * N),
    "pasted kea entries": ("pasted", b'{"option-data":[' + b'{"code":43,"data":"01"},' * N),
    "pasted lines": ("pasted", b'option 60 ascii "MS-UC-Client"\n' * (N // 4)),
    "mex ports": ("mex", b"<wsdl:d " + WSDL + b">" + b'<wsdl:port name="p"/>' * N + b"</wsdl:d>"),
    "sip headers": ("sip", b"SIP/2.0 401 x\r\n" + b"A: b\r\n" * N + b"\r\n"),
}


@pytest.mark.parametrize("reader, data", LARGE.values(), ids=LARGE.keys())
def test_large_input_is_read_within_the_bound(reader: str, data: bytes) -> None:
    started = time.perf_counter()
    with contextlib.suppress(PhonesimError):
        READERS[reader](data)
    assert time.perf_counter() - started < SLOWEST_ALLOWED
