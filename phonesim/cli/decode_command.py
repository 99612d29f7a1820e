"""`phonesim decode`: what a pasted option value (43, 60, 120) means to the phone, and what is wrong."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

EXIT_FINE = 0
EXIT_PROBLEM = 1

EPILOG = """\
examples:
  phonesim decode 2b55010c4d532d55432d436c69656e74...
  phonesim decode --option 120 00:06:73:65:72:76:65:72:04:66:71:64:6e:00
  phonesim decode 'netsh dhcp server set optionvalue 120 Binary 0006736572766572...'
  phonesim decode 'option 43 hex 010c.4d53.2d55.432d.436c.6965.6e74...'
  echo 010C4D53... | phonesim decode -

exit codes: 0 the value is fine for the phone; 1 it decodes but the phone would not use it
            as meant (a finding marked ERROR); 2 the text is not a value phonesim can read.
"""


def register(commands: Any) -> None:
    decode = commands.add_parser(
        "decode",
        help="decode a DHCP option value (43, 60, 120) pasted as hex or as a server config line",
        description=(
            "Decode an option value as admins paste it: hex with spaces, colons, dots or 0x, "
            "a whole option (code, length, value), a Windows netsh line, a Cisco IOS or ISC "
            "dhcpd option line; and say what the phone makes of it."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    decode.add_argument("text", nargs="+", help="the value or config line ('-' reads stdin)")
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
    from rich.console import Console
    from rich.markup import escape

    from phonesim.codec.pasted_option import parse_pasted_option
    from phonesim.replay.option_forensics import (
        ERROR,
        UC_VENDOR_CLASS,
        OptionReading,
        read_option,
        read_sub_option,
    )
    from phonesim.replay.render import ReplayRenderer

    text = sys.stdin.read() if args.text == ["-"] else " ".join(args.text)
    pasted = parse_pasted_option(text, code=args.option)
    vendor_class = args.vendor_class
    if vendor_class is None:
        vendor_class = next(
            (p.value.decode("latin-1") for p in pasted if p.code == 60 and p.sub_option is None),
            UC_VENDOR_CLASS,
        )
    readings: list[tuple[Any, OptionReading]] = []
    for option in pasted:
        if option.sub_option is not None:
            reading = read_sub_option(option.sub_option, option.value, vendor=option.vendor)
        else:
            reading = read_option(option.code, option.value, vendor_class=vendor_class)
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
                        }
                        for option, reading in readings
                    ],
                    "fine": not problem,
                },
                indent=2,
            )
        )
        return EXIT_PROBLEM if problem else EXIT_FINE

    console = Console(highlight=False)
    for option, reading in readings:
        how = option.form + (
            " (option code guessed from the content; --option to say)" if option.guessed else ""
        )
        console.print(
            f"[bold]option {reading.code}[/bold] ({escape(reading.name)}) · {escape(how)} · "
            f"{len(reading.value)} bytes",
            highlight=False,
        )
        console.print(ReplayRenderer.options_table([reading]), highlight=False)
        details = _detail_lines(reading)
        for line in details:
            console.print(f"    [dim]{escape(line)}[/dim]", highlight=False)
    return EXIT_PROBLEM if problem else EXIT_FINE


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
