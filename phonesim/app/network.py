"""Where the phone's servers are, as the drivers need it: one value for a boot and a fleet."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from phonesim.errors import UsageError

if TYPE_CHECKING:
    from phonesim.lab.layout import LabEndpoints

BROADCAST = "255.255.255.255"


@dataclass
class Network:
    """Where the phone's servers are. For the embedded lab, built from its endpoints."""

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


def lab_network(endpoints: LabEndpoints) -> Network:
    """The phone's view of a running embedded lab."""
    return Network(
        dhcp_server=(endpoints.address, endpoints.dhcp_port),
        dns_server=(endpoints.address, endpoints.dns_port),
        address=endpoints.address,
        domain=endpoints.domain,
        port_map=dict(endpoints.port_map),
    )


def host_port(text: str, default_port: int) -> tuple[str, int]:
    """`192.0.2.5`, `192.0.2.5:6767` or `[::1]:53` into (host, port)."""
    host, port = text, default_port
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest.startswith(":"):
            port = _port(rest[1:], text)
    elif text.count(":") == 1:
        host, raw = text.split(":")
        port = _port(raw, text)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise UsageError(f"{text!r} is not an IP address (optionally with :port)") from None
    return host, port


def _port(raw: str, text: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise UsageError(f"bad port in {text!r}")
    return int(raw)
