"""`phonesim boot` on a real network: the options that place the phone (app/live_network)."""

from __future__ import annotations

import argparse
from pathlib import Path

from phonesim.app.live_network import LiveTarget

MAC_KEYWORDS = ("profile", "interface")


def add_live_arguments(parser: argparse.ArgumentParser) -> None:
    live = parser.add_argument_group("on a real network")
    live.add_argument(
        "--iface",
        metavar="IFACE",
        help="boot on this interface: the DHCPINFORM is broadcast from its port 68 "
        "(unicast with --dhcp-server); needs root or CAP_NET_BIND_SERVICE",
    )
    live.add_argument(
        "--giaddr",
        metavar="IP",
        help="send the INFORM to --dhcp-server as a relay agent at this local address would "
        "(from port 67, giaddr set)",
    )
    live.add_argument(
        "--client-port",
        type=int,
        default=68,
        metavar="PORT",
        help="the phone's DHCP client port (default: %(default)s, where real servers answer; "
        "0 = any unprivileged port, for servers that answer the sender's port)",
    )
    live.add_argument(
        "--capture",
        type=Path,
        metavar="FILE",
        help="write the phone's own packets here (default: capture.pcap in the run folder)",
    )
    live.add_argument(
        "--no-capture", action="store_true", help="do not write the phone's packets to a pcap"
    )


def live_target(args: argparse.Namespace) -> LiveTarget:
    """The real network the options name (nothing named: `LiveTarget.named` is False).
    A fleet's phones take their MACs from its users, so `phonesim fleet` has no --mac."""
    mac = getattr(args, "mac", None)
    return LiveTarget(
        dhcp_server=args.dhcp_server,
        iface=args.iface,
        dns=args.dns,
        domain=args.domain,
        address=args.address,
        giaddr=args.giaddr,
        client_port=args.client_port,
        mac_source=mac if mac in MAC_KEYWORDS else None,
    )


def phone_mac_argument(args: argparse.Namespace) -> str | None:
    """`--mac` as a MAC, or None when it names where the MAC comes from instead."""
    return None if args.mac in MAC_KEYWORDS else args.mac
