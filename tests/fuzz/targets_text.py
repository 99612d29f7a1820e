"""Readers of text a user hands phonesim: pasted server configuration, the device log."""

from __future__ import annotations

import contextlib
import io
import ipaddress
from datetime import UTC, datetime

from phonesim.cli import main
from phonesim.codec.pasted_option import read_pasted_text
from phonesim.core.commands import Trace
from phonesim.core.stage import Stage
from phonesim.dhcp_config import FORMATS, render
from phonesim.dhcp_config.phone_options import Site, phone_options
from phonesim.errors import PhonesimError
from phonesim.replay.option_forensics import read_option
from phonesim.report.device_log import format_line, parse_device_log
from tests.fuzz.target import FuzzTarget, text


def _pasted_seeds() -> list[bytes]:
    options = phone_options(["pool01.phonesim.test"], web_server="web01.phonesim.test")
    site = Site(ipaddress.IPv4Network("192.0.2.0/24"), interface="eth0")
    rendered = [render(name, options, site).text.encode() for name in FORMATS]
    return [
        *rendered,
        b"2b55010c4d532d55432d436c69656e74",
        b'option 60 ascii "MS-UC-Client"',
        b"Option 43: 01 0C 4D 53 2D 55 43 2D 43 6C 69 65 6E 74",
    ]


def _read_pasted(data: bytes) -> None:
    """As `phonesim decode` reads a paste: the options, then what each means."""
    try:
        pasted = read_pasted_text(text(data))
    except PhonesimError:
        return
    for option in pasted.options:
        read_option(option.code, option.value)


def _decode_command(data: bytes) -> None:
    """The whole command, rendering included: an exception it lets out is a traceback.
    It exits 0 (fine), 1 (the phone would not use it) or 2 (not readable)."""
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        for extra in ([], ["--json"]):
            code = main(["decode", *extra, "--", text(data).replace("\x00", " ")])
            assert code in (0, 1, 2), f"phonesim decode exited {code}"


def _device_log_seeds() -> list[bytes]:
    power_on = datetime(2026, 11, 23, 10, 15, 2, tzinfo=UTC)
    traces = [
        Trace(0.0, Stage.DHCP, "inform_sent", {"xid": "0x1a2b3c4d", "attempt": 1}),
        Trace(0.25, Stage.DHCP, "answer", {"options": [43, 120], "server": "192.0.2.1"}),
        Trace(1.5, Stage.DNS, "query", {"name": "pool01.phonesim.test", "type": "SRV"}),
    ]
    lines = "\n".join(format_line(trace, power_on) for trace in traces)
    return [("# cpsw3g.log (phonesim) profile=polycom-cx600\n" + lines).encode()]


def _read_device_log(data: bytes) -> None:
    list(parse_device_log(text(data).splitlines()))


TEXT_TARGETS = [
    FuzzTarget("pasted", _read_pasted, _pasted_seeds),
    FuzzTarget("decode-command", _decode_command, _pasted_seeds, max_size=1024),
    FuzzTarget("device-log", _read_device_log, _device_log_seeds),
]
