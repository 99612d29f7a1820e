"""`phonesim boot` on a real network: the options that place the phone (app/live_network)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from phonesim.app.live_network import LiveTarget

if TYPE_CHECKING:
    from phonesim.core.profile import DeviceProfile
    from phonesim.core.stage import Stage
    from phonesim.lab.scenario import LabScenario

MAC_KEYWORDS = ("profile", "interface")


def add_live_arguments(parser: argparse.ArgumentParser) -> None:
    live = parser.add_argument_group("on a real network")
    live.add_argument(
        "--iface",
        metavar="IFACE",
        help="boot on this interface as a phone plugged into it: LLDP-MED, the VLAN query, "
        "the phone's own lease, then the DHCPINFORM (see --no-bring-up); needs root",
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
    bringup = parser.add_argument_group(
        "bring-up (before the DHCPINFORM: LLDP-MED, the VLAN, the phone's own lease)"
    )
    bringup.add_argument(
        "--bring-up",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="(the default with --iface, unless --dhcp-server or --giaddr aims the INFORM "
        "at one server) listen for LLDP-MED on the interface, ask DHCP for the voice VLAN "
        "(vendor class CPE-OCPHONE), join it and take the phone's own lease, whose address, "
        "DNS servers and domain the boot then uses (--dns/--domain still override); "
        "--no-bring-up: only the DHCPINFORM, from the interface's own address, with DNS "
        "from --dns/--domain or /etc/resolv.conf. A lab scenario with a site DHCP server "
        "plays the bring-up without it",
    )
    bringup.add_argument(
        "--no-lldp", action="store_true", help="leave LLDP-MED out of the bring-up"
    )
    bringup.add_argument(
        "--no-vlan-query",
        action="store_true",
        help="leave the CPE-OCPHONE VLAN query out (the phone stays untagged)",
    )
    bringup.add_argument(
        "--no-lease", action="store_true", help="leave the phone's own lease out of the bring-up"
    )
    bringup.add_argument(
        "--keep-lease",
        action="store_true",
        help="keep the lease when the boot ends (by default the phone gives it back with a "
        "DHCPRELEASE, and the timeline says so)",
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
        own_lease=brings_up(args) and not getattr(args, "no_lease", False),
    )


def brings_up(args: argparse.Namespace) -> bool:
    """A named interface is a phone plugged into it: the bring-up is played unless
    --no-bring-up says otherwise, or the INFORM is aimed at one server (--dhcp-server,
    --giaddr). Commands without the option (fleet) never bring up this way."""
    asked = getattr(args, "bring_up", False)
    if asked is not None:
        return bool(asked)
    return args.iface is not None and args.dhcp_server is None and args.giaddr is None


def bringup_from_args(
    args: argparse.Namespace, profile: DeviceProfile, scenario: LabScenario | None
) -> frozenset[Stage] | None:
    """The bring-up stages the boot plays: the profile's, less what the options leave out;
    None where neither the bring-up (`brings_up`) nor a lab scenario with a site asks for it."""
    from phonesim.core.bringup import bringup_stages

    site = scenario is not None and (
        scenario.enterprise_dhcp is not None or scenario.lldp is not None
    )
    if not brings_up(args) and not site:
        return None
    return bringup_stages(
        profile,
        lldp=False if args.no_lldp else None,
        vlan_query=False if args.no_vlan_query else None,
        lease=False if args.no_lease else None,
    )


def phone_mac_argument(args: argparse.Namespace) -> str | None:
    """`--mac` as a MAC, or None when it names where the MAC comes from instead."""
    return None if args.mac in MAC_KEYWORDS else args.mac
