"""Where the phone's servers are, as the drivers need it: one value for a boot and a fleet."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from pathlib import Path

BROADCAST = "255.255.255.255"


def is_broadcast_here(host: str) -> bool:
    """Whether this machine's kernel takes `host` for a broadcast address: 255.255.255.255,
    or the broadcast of one of its subnets (`127.255.255.255`). Asked of the kernel itself,
    which refuses to connect a UDP socket without SO_BROADCAST there; nothing is sent."""
    if host == BROADCAST:
        return True
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect((host, 9))
        except PermissionError:
            return True
        except OSError:
            return False
    return False


@dataclass
class Network:
    """Where the phone's servers are. For the embedded lab, `app/network.lab_network` builds it."""

    dhcp_server: tuple[str, int]
    dns_server: tuple[str, int]
    address: str
    domain: str
    port_map: dict[int, int] = field(default_factory=dict)
    local_dhcp: tuple[str, int] = ("127.0.0.1", 0)
    interface: str | None = None
    """Live: the interface the phone sits on. DHCP leaves from its port 68, by broadcast
    when dhcp_server is 255.255.255.255; nothing is ever broadcast without it."""
    giaddr: str | None = None
    """Relay style: the INFORM goes to dhcp_server as a relay agent at this address sends it."""
    mac_source: str = "profile"
    """The MAC when none is given: "profile" (stable, in the profile's OUI) or "interface"."""
    capture: Path | None = None
    """Where the phone's own packets go; None: capture.pcap in the run folder, if any."""
    capture_enabled: bool = True
    domain_source: str = "user"
    """Who gave `domain`: `user` (--domain), `laptop` (resolv.conf) or `lab`."""
    dns_source: str = "user"
    """Who gave `dns_server`, in the same words."""
