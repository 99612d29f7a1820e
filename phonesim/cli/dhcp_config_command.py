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
  phonesim dhcp-config --sip-server pool01.contoso.com --vlan 150 --format dnsmasq \\
      --subnet 10.1.0.0/24 --pool 10.1.0.100-10.1.0.199

--vlan answers the phones' VLAN query (vendor class CPE-OCPHONE, matched
case-sensitively by every server) with option 43 sub-option 10, the VLAN ID
as ASCII digits (150 is 0a 03 31 35 30); give it for the data VLAN's subnet.
--pool makes dnsmasq, kea and isc-dhcpd lease addresses (the VLAN query and
the phone's own lease are DISCOVERs); without it they answer INFORM only.

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
    parser.add_argument(
        "--vlan",
        type=_vlan_id,
        metavar="ID",
        help="answer the phones' VLAN query (vendor class CPE-OCPHONE) with this voice VLAN",
    )
    parser.add_argument(
        "--pool",
        metavar="FIRST-LAST",
        help="dnsmasq, kea, isc-dhcpd: lease these addresses of --subnet (default: none, "
        "INFORM only)",
    )
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
        vlan_id=args.vlan,
    )
    subnet = _subnet(args.subnet) if args.subnet else PLACEHOLDER_SUBNET
    site = Site(
        subnet=subnet,
        interface=args.interface,
        subnet_given=args.subnet is not None,
        pool=_pool(args.pool, subnet) if args.pool else None,
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


def _vlan_id(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 4094:
        raise argparse.ArgumentTypeError(f"{text!r} is not a VLAN ID (1-4094)")
    return int(text)


def _pool(
    text: str, subnet: ipaddress.IPv4Network
) -> tuple[ipaddress.IPv4Address, ipaddress.IPv4Address]:
    first_text, dash, last_text = text.partition("-")
    try:
        first = ipaddress.IPv4Address(first_text.strip())
        last = ipaddress.IPv4Address(last_text.strip())
    except ValueError:
        raise UsageError(f"--pool {text!r} is not FIRST-LAST, like 10.1.0.100-10.1.0.199") from None
    if not dash or first > last:
        raise UsageError(f"--pool {text!r}: the first address must come before the last")
    usable = (subnet.network_address, subnet.broadcast_address)
    for address in (first, last):
        if address not in subnet or address in usable:
            raise UsageError(f"--pool {text!r}: {address} is not a host address of {subnet}")
    return first, last
