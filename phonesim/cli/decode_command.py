"""`phonesim decode`: what a pasted option value (43, 60, 120) means to the phone, and what is wrong."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from typing import Any

EXIT_FINE = 0
EXIT_PROBLEM = 1

EPILOG = """\
examples:
  phonesim decode 3c0c4d532d55432d436c69656e74
  phonesim decode --option 120 00:06:70:6f:6f:6c:30:31:07:63:6f:6e:74:6f:73:6f:03:63:6f:6d:00
  phonesim decode 'netsh dhcp server set optionvalue 120 Binary 0006706F6F6C303107636F6E746F736F03636F6D00'
  phonesim decode 'dhcp-option=vendor:MS-UC-Client,4,443'     # exit 1: the port goes out as an integer
  phonesim dhcp-config --sip-server pool01.contoso.com --format netsh | phonesim decode -
  phonesim dhcp-config --sip-server pool01.contoso.com --format cisco-ios --subnet 10.1.2.0/24 \\
      | phonesim decode -

A paste of several lines (a netsh script, an `ip dhcp pool` block, dnsmasq, dhcpd or Kea
configuration) is read line by line; sub-options set one per line are joined into the
option 43 the server sends; lines that give no value are listed as skipped.

exit codes: 0 the value is fine for the phone; 1 it decodes but the phone would not use it
            as meant (a finding marked ERROR); 2 the text is not a value phonesim can read.
"""


def register(commands: Any) -> None:
    decode = commands.add_parser(
        "decode",
        help="decode a DHCP option value (43, 60, 120) pasted as hex or as a server config line",
        description=(
            "Decode an option value as admins paste it: hex with spaces, colons, dots or 0x, "
            "a whole option (code, length, value), DHCPUtil's printout, Windows netsh lines, a "
            "Cisco IOS pool, dnsmasq, ISC dhcpd or Kea configuration (what `phonesim "
            "dhcp-config` writes, in every format); and say what the phone makes of it."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    decode.add_argument(
        "text", nargs="+", help="the value or configuration lines ('-' reads stdin)"
    )
    decode.add_argument(
        "--option",
        type=int,
        metavar="CODE",
        help="which option a bare value is (43, 60 or 120); guessed from the content otherwise",
    )
    decode.add_argument(
        "--vendor-class",
        default=None,
        help="the class option 43 answers (default: MS-UC-Client, or the option 60 pasted with it)",
    )
    decode.add_argument("--json", action="store_true", help="print the decoding as JSON")
    decode.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rich.markup import escape

    from phonesim.codec.pasted_option import read_pasted_text
    from phonesim.replay.option_forensics import (
        ERROR,
        UC_VENDOR_CLASS,
        Finding,
        OptionReading,
        read_option,
        read_sub_option,
    )
    from phonesim.replay.render import ReplayRenderer
    from phonesim.report.terminal import TerminalConsole

    text = sys.stdin.read() if args.text == ["-"] else " ".join(args.text)
    pasted = read_pasted_text(text, code=args.option)
    pasted_class = next(
        (
            p.value.decode("latin-1")
            for p in pasted.options
            if p.code == 60 and p.sub_option is None
        ),
        UC_VENDOR_CLASS,
    )
    readings: list[tuple[Any, OptionReading]] = []
    for option in pasted.options:
        if option.sub_option is not None:
            reading = read_sub_option(option.sub_option, option.value, vendor=option.vendor)
        else:
            vendor_class = args.vendor_class or option.vendor or pasted_class
            reading = read_option(option.code, option.value, vendor_class=vendor_class)
        if option.cut is not None:
            reading = replace(reading, findings=(Finding(ERROR, option.cut), *reading.findings))
        readings.append((option, reading))

    problem = any(f.level == ERROR for _o, r in readings for f in r.findings)
    if args.json:
        print(
            json.dumps(
                {
                    "options": [
                        {
                            **reading.to_json(),
                            "form": option.form,
                            "guessed": option.guessed,
                            "vendor": option.vendor,
                            "lines": list(option.lines),
                            "paths": list(option.paths),
                            "cut": option.cut,
                        }
                        for option, reading in readings
                    ],
                    "skipped": [
                        {"line": skip.line, "text": skip.text, "reason": skip.reason}
                        for skip in pasted.skipped
                    ],
                    "fine": not problem,
                },
                indent=2,
            )
        )
        return EXIT_PROBLEM if problem else EXIT_FINE

    console = TerminalConsole(highlight=False)
    for option, reading in readings:
        console.print(
            f"[bold]option {reading.code}[/bold] ({escape(reading.name)}) · "
            f"{escape(_source(option))} · {len(reading.value)} bytes",
            highlight=False,
        )
        console.print(ReplayRenderer.options_table([reading]), highlight=False)
        details = _detail_lines(reading)
        for line in details:
            console.print(f"    [dim]{escape(line)}[/dim]", highlight=False)
    for skip in pasted.skipped:
        where = f"skipped line {skip.line}" if skip.line is not None else "skipped"
        console.print(f"{where}: {escape(skip.text)} [dim]({escape(skip.reason)})[/dim]")
    return EXIT_PROBLEM if problem else EXIT_FINE


def _source(option: Any) -> str:
    """Where the value came from: its form, lines or JSON paths, and the vendor class."""
    how = str(option.form)
    if option.lines:
        how += " " + ", ".join(str(number) for number in option.lines)
    if option.paths:
        how += " " + ", ".join(option.paths)
    if option.code == 43 and option.vendor is not None and option.sub_option is None:
        how += f" (class {option.vendor})"
    if option.guessed:
        how += " (option code guessed from the content; --option to say)"
    return how


def _detail_lines(reading: Any) -> list[str]:
    details = reading.details
    if reading.code == 43 and "order" in details:
        names = {
            1: ("UCIdentifier", "identifier"),
            2: ("URLScheme", "url_scheme"),
            3: ("WebServerFqdn", "web_server_fqdn"),
            4: ("WebServerPort", "web_server_port"),
            5: ("CertProvRelPath", "cert_prov_path"),
        }
        lines = []
        for code in details["order"]:
            name, key = names.get(code, (f"sub-option {code}", ""))
            value = details.get(key) if key else None
            if code == 4 and value is None and "port_as_integer" in details:
                value = f"integer {details['port_as_integer']}"
            lines.append(
                f"sub-option {code} {name}: {value if value is not None else '(cut or unknown)'}"
            )
        return lines
    if reading.code == 120 and "servers" in details:
        return [f"registrar {i + 1}: {name}" for i, name in enumerate(details["servers"])]
    return []
