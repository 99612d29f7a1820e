"""Picks the DHCP transport a boot needs from where the phone is told to sit.

| situation | transport |
| --- | --- |
| embedded lab, or a server that answers the sender's port | UDP socket on an unprivileged port |
| a named server, no interface | UDP socket on the phone's address, port 68 |
| an interface, the interface's own MAC | UDP socket on port 68 bound to the interface (broadcast or unicast) |
| an interface, another MAC | packet socket (frames from and to the phone's MAC) |
| `giaddr` | relay agent: port 67 at `giaddr`, plus the client port |

Every transport keeps the DhcpClientEndpoint contract, so the runner never
knows which one it drives.
"""

from __future__ import annotations

from dataclasses import dataclass

from phonesim.drivers.dhcp_endpoint import DhcpClientEndpoint
from phonesim.drivers.dhcp_interface import (
    DHCP_SERVER_PORT,
    InterfaceFacts,
    bind_udp_socket,
)
from phonesim.drivers.dhcp_packet_socket import PacketSocketDhcpEndpoint
from phonesim.drivers.dhcp_relay import RelayDhcpEndpoint
from phonesim.drivers.network import is_broadcast_here
from phonesim.drivers.packet_capture import DatagramTap, Hop, PacketCapture
from phonesim.errors import UsageError


@dataclass(frozen=True)
class DhcpPlacement:
    """Where the phone's DHCP goes: the values a transport is chosen and opened from."""

    server: tuple[str, int]
    """Where the INFORM goes; 255.255.255.255:67 to broadcast."""
    local: tuple[str, int]
    """The client socket's address and port; port 0 lets the kernel pick one."""
    phone_address: str
    phone_mac: str | None
    """None: a fleet, whose phones each have their own MAC."""
    interface: InterfaceFacts | None = None
    giaddr: str | None = None
    own_lease: bool = False
    """The phone takes its own lease: every message leaves as a whole frame (from 0.0.0.0
    until the lease, tagged once on a VLAN), whatever its MAC."""

    @property
    def broadcast(self) -> bool:
        return self.server[0] == "255.255.255.255"


async def open_dhcp_transport(
    placement: DhcpPlacement,
    *,
    capture: PacketCapture | None = None,
    keep_answers: bool = False,
) -> DhcpClientEndpoint:
    if placement.broadcast and placement.interface is None:
        raise UsageError("a broadcast DHCPINFORM needs the interface to send it on (--iface)")
    if placement.interface is None and is_broadcast_here(placement.server[0]):
        raise UsageError(
            f"{placement.server[0]} is a broadcast address on this machine: a broadcast "
            "DHCPINFORM needs the interface to send it on (--iface)"
        )
    interface = placement.interface
    client_port = placement.local[1]
    if placement.giaddr is not None:
        relay = RelayDhcpEndpoint(
            placement.server,
            giaddr=placement.giaddr,
            client_address=placement.phone_address,
            interface=None if interface is None else interface.name,
            client_port=client_port,
            capture=capture,
            keep_answers=keep_answers,
        )
        await relay.open()
        return relay
    if interface is not None and (placement.own_lease or placement.phone_mac != interface.mac):
        # A fleet on an interface always goes this way: its MACs are not the interface's.
        packet = PacketSocketDhcpEndpoint(
            placement.server,
            interface=interface.name,
            interface_address=placement.phone_address,
            interface_mac=interface.mac,
            phone_mac=placement.phone_mac,
            client_port=client_port,
            capture=capture,
            keep_answers=keep_answers,
        )
        await packet.open()
        return packet
    tap = None
    if capture is not None:
        local_mac = interface.mac if interface is not None else placement.phone_mac or ""
        tap = DatagramTap(
            capture,
            Hop(placement.phone_address, client_port, local_mac),
            # The lab's unprivileged port stands for 67, as its other ports stand for 443 or 5061.
            server_port=DHCP_SERVER_PORT if placement.server[1] != DHCP_SERVER_PORT else None,
        )
    endpoint = DhcpClientEndpoint(placement.server, tap=tap, keep_answers=keep_answers)
    if interface is None and client_port == 0:
        await endpoint.open(placement.local)
    else:
        sock = bind_udp_socket(
            address="" if interface is not None else placement.local[0],
            port=client_port,
            interface=None if interface is None else interface.name,
            role="DHCP client port",
        )
        await endpoint.open_socket(sock)
    if tap is not None and client_port == 0:
        tap.local = Hop(placement.phone_address, endpoint.local_address[1], tap.local.mac)
    return endpoint
