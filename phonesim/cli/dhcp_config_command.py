"""`phonesim dhcp-config`: the DHCPUtil job, for every DHCP server people run."""

from __future__ import annotations

import argparse
import ipaddress
import json
import sys
from pathlib import Path
from typing import Any

from phonesim.errors import UsageError

FORMAT_NAMES = ("hex", "netsh", "dnsmasq", "kea", "isc-dhcpd", "cisco-ios")

EPILOG = """\
formats:
  hex        DHCPUtil-style values: upper-case hex, length in hex characters
  netsh      Windows DHCP Server: the commands DHCPConfigScript.bat runs
  dnsmasq    a dnsmasq config fragment (static dhcp-range, vendor:MS-UC-Client)
  kea        a kea-dhcp4 JSON configuration (option 120 definition, client class)
  isc-dhcpd  a dhcpd.conf fragment (authoritative subnet, vendor class)
  cisco-ios  ip dhcp pool commands (option ext 43 beyond 180 hex characters)

examples:
  phonesim dhcp-config --sip-server pool01.contoso.com --web-server web01.contoso.com
  phonesim dhcp-config --sip-server pool01.contoso.com --sip-server pool02.contoso.com \\
      --web-server web01.contoso.com --format kea --subnet 10.20.30.0/24 --interface eth1

Warnings (what a server will do with a long value, placeholders) go to stderr.
Names must be names (no scheme, no port; letters, digits, hyphens), the port
1-65535, the scheme http or https, the path start with '/': otherwise exit 2.
"""


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "dhcp-config",
        help="print DHCP server configuration for options 43 and 120",
        description="Compute options 120 (registrar) and 43 (MS-UC-Client web services URL) "
        "as DHCPUtil does and print them as configuration for a DHCP server.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--sip-server",
        action="append",
        required=True,
        metavar="FQDN|IP",
        help="registrar pool FQDN (repeat for a second; IPv4 addresses give encoding 1)",
    )
    parser.add_argument(
        "--web-server",
        metavar="FQDN",
        help="internal web services FQDN (default: the first --sip-server, as DHCPUtil)",
    )
    parser.add_argument("--web-port", default="443", help="web services port (default: 443)")
    parser.add_argument("--url-scheme", default="https", help="URL scheme (default: https)")
    parser.add_argument(
        "--cert-prov-path",
        default="/CertProv/CertProvisioningService.svc",
        help="certificate provisioning path (default: %(default)s)",
    )
    parser.add_argument(
        "--format", choices=FORMAT_NAMES, default="hex", help="output format (default: hex)"
    )
    parser.add_argument(
        "--subnet",
        metavar="CIDR",
        help="the phones' subnet, for dnsmasq, kea, isc-dhcpd and cisco-ios "
        "(default: a 192.0.2.0/24 placeholder, with a warning)",
    )
    parser.add_argument("--interface", help="kea: the interface to serve (default: all)")
    parser.add_argument("--output", type=Path, metavar="FILE", help="write here, not to stdout")
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the values (hex, decoded) and the configuration text as one JSON object",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from phonesim.dhcp_config import PLACEHOLDER_SUBNET, Site, phone_options, render
    from phonesim.dhcp_config.json_view import json_view

    options = phone_options(
        args.sip_server,
        web_server=args.web_server,
        web_port=args.web_port,
        url_scheme=args.url_scheme,
        cert_prov_path=args.cert_prov_path,
    )
    site = Site(
        subnet=_subnet(args.subnet) if args.subnet else PLACEHOLDER_SUBNET,
        interface=args.interface,
        subnet_given=args.subnet is not None,
    )
    rendered = render(args.format, options, site)
    for warning in rendered.warnings:
        print(f"phonesim: warning: {warning}", file=sys.stderr)
    text = rendered.text
    if args.json:
        text = json.dumps(json_view(args.format, options, rendered), indent=2) + "\n"
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        args.output.write_text(text)
    except OSError as error:
        raise UsageError(f"cannot write {args.output}: {error.strerror}") from None
    what = f"the {args.format} configuration" + (" as JSON" if args.json else "")
    print(f"phonesim: wrote {what} to {args.output}", file=sys.stderr)
    return 0


def _subnet(text: str) -> ipaddress.IPv4Network:
    try:
        return ipaddress.IPv4Network(text, strict=False)
    except ValueError:
        raise UsageError(f"--subnet {text!r} is not an IPv4 subnet like 192.0.2.0/24") from None
