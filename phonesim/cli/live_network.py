"""`phonesim boot` on a real network: the options that place the phone, turned into a Network.

Nothing is broadcast unless `--iface` names the interface. The phone's
address defaults to the interface's, and its DNS server and domain to what
the machine's own lease gave it (/etc/resolv.conf), since a laptop plugged
into the phone VLAN got the same options a phone there gets.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from phonesim.cli.common import host_port
from phonesim.codec.address_text import is_ipv4
from phonesim.errors import UsageError

RESOLV_CONF = Path("/etc/resolv.conf")
BROADCAST = "255.255.255.255"
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


@dataclass(frozen=True)
class LiveChoice:
    network: Any
    """phonesim.app.network.Network"""
    notes: tuple[str, ...]
    """Defaults taken from the machine, said aloud so the user can override them."""


def live_network(args: argparse.Namespace) -> LiveChoice:
    from phonesim.app.network import Network
    from phonesim.drivers.dhcp_interface import interface_facts

    if not 0 <= args.client_port <= 65535:
        raise UsageError(f"--client-port {args.client_port} is not a port number")
    notes: list[str] = []
    facts = interface_facts(args.iface) if args.iface else None
    if args.giaddr is not None and args.dhcp_server is None:
        raise UsageError("--giaddr relays the INFORM to a named server: give --dhcp-server too")
    address = args.address
    if address is None and facts is not None:
        if facts.address is None:
            raise UsageError(f"{facts.name} has no IPv4 address: give the phone's with --address")
        address = facts.address
    if address is None:
        raise UsageError("--dhcp-server without --iface needs --address (the phone's IPv4)")
    _check_ipv4("--address", address)
    dns_server, domain = _dns_settings(args, notes)
    server = host_port(args.dhcp_server, 67) if args.dhcp_server else (BROADCAST, 67)
    mac_source = "interface" if facts is not None else "profile"
    if args.mac in MAC_KEYWORDS:
        mac_source = args.mac
    network = Network(
        dhcp_server=server,
        dns_server=dns_server,
        address=address,
        domain=domain,
        local_dhcp=("" if facts is not None else address, args.client_port),
        interface=args.iface,
        giaddr=args.giaddr,
        mac_source=mac_source,
    )
    apply_capture_arguments(network, args)
    return LiveChoice(network, tuple(notes))


def apply_capture_arguments(network: Any, args: argparse.Namespace) -> None:
    network.capture = args.capture
    network.capture_enabled = not args.no_capture


def phone_mac_argument(args: argparse.Namespace) -> str | None:
    """`--mac` as a MAC, or None when it names where the MAC comes from instead."""
    return None if args.mac in MAC_KEYWORDS else args.mac


def _dns_settings(args: argparse.Namespace, notes: list[str]) -> tuple[tuple[str, int], str]:
    dns_server = host_port(args.dns, 53) if args.dns else None
    domain = args.domain
    if dns_server is None or domain is None:
        lease_server, lease_domain = _machine_lease()
        if dns_server is None and lease_server is not None:
            dns_server = (lease_server, 53)
            notes.append(f"DNS server {lease_server} from {RESOLV_CONF} (--dns to change)")
        if domain is None and lease_domain is not None:
            domain = lease_domain
            notes.append(f"domain {lease_domain} from {RESOLV_CONF} (--domain to change)")
    if dns_server is None:
        raise UsageError(f"give the phone's DNS server with --dns ({RESOLV_CONF} names none)")
    if domain is None:
        raise UsageError(
            f"give the phone's DNS domain (option 15 of its lease) with --domain "
            f"({RESOLV_CONF} has no domain or search line)"
        )
    return dns_server, domain


def _machine_lease() -> tuple[str | None, str | None]:
    import dns.name
    import dns.resolver

    resolver = dns.resolver.Resolver(configure=False)
    try:
        resolver.read_resolv_conf(str(RESOLV_CONF))
    except dns.resolver.NoResolverConfiguration:
        return None, None
    server = next((s for s in resolver.nameservers if is_ipv4(str(s))), None)
    names = list(resolver.search) or ([resolver.domain] if resolver.domain != dns.name.root else [])
    domain = names[0].to_text(omit_final_dot=True) if names else None
    return (None if server is None else str(server)), domain


def _check_ipv4(option: str, text: str) -> None:
    if not is_ipv4(text):
        raise UsageError(f"{option} {text!r} is not an IPv4 address")
