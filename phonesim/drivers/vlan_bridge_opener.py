"""The live link's `VlanOpener` made of `vlan_bridge`: the phone's VLAN is a TAP device that
tags its frames for the parent, and the lease's address goes on that TAP so the kernel's
own TCP and UDP (DNS, web services, SIP) leave on the voice VLAN like the phone's DHCP.

The TAP carries the phone's MAC: the lease is bound to that MAC (chaddr), and the servers
on the VLAN answer and ARP for it. Closing removes the TAP, and its address goes with it,
so a boot leaves the host as it found it. No route beyond the lease's subnet is added:
a default route through the lease's router would take the host's own traffic with it.

A host that already routes the lease's subnet through another interface (its own network
on the same addresses) would take the phone's DNS, web and SIP traffic there, onto a
network nobody named, while its DHCP stays on the VLAN: that is refused, in one line.
"""

from __future__ import annotations

import fcntl
import ipaddress
import socket
import struct

from phonesim.codec.vlan_tag import MAX_VLAN, MIN_VLAN
from phonesim.drivers.vlan_bridge import VlanInterface, open_vlan
from phonesim.errors import UsageError

SIOCSIFADDR = 0x8916
SIOCSIFNETMASK = 0x891C


class BridgedVlans:
    """VLANs opened as `vlan_bridge` TAP devices on the phone's interface, for `mac`."""

    def __init__(self, mac: str) -> None:
        self.mac = mac
        self.opened: list[VlanInterface] = []

    def open_vlan(self, parent: str, vlan_id: int, priority: int = 0) -> str:
        if not MIN_VLAN <= vlan_id <= MAX_VLAN:
            return parent  # VLAN 0 is priority tagging only: the frames stay on the parent
        vlan = open_vlan(parent, vlan_id, mac=self.mac, priority=priority)
        self.opened.append(vlan)
        return vlan.name

    def assign(self, interface: str, address: str, mask: str | None) -> None:
        if not any(vlan.name == interface for vlan in self.opened):
            return  # the parent: the host's own interface keeps its own address
        control = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            fcntl.ioctl(control, SIOCSIFADDR, _ifreq_address(interface, address))
            if mask is not None:
                fcntl.ioctl(control, SIOCSIFNETMASK, _ifreq_address(interface, mask))
        except OSError as error:
            raise UsageError(
                f"cannot put the lease's address {address} on {interface}: {error.strerror}"
            ) from None
        finally:
            control.close()
        _check_route(interface, address, mask)

    def close(self) -> None:
        while self.opened:
            self.opened.pop().close()


def _check_route(interface: str, address: str, mask: str | None) -> None:
    """The kernel must send what is for the lease's subnet from the lease's address, i.e.
    out of the VLAN's TAP; asked with a connected UDP socket, which sends nothing."""
    subnet = ipaddress.IPv4Network(f"{address}/{mask or '255.255.255.255'}", strict=False)
    if subnet.num_addresses < 4:
        return
    neighbour = next(host for host in subnet.hosts() if str(host) != address)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect((str(neighbour), 9))
        except OSError:
            return  # no route at all: the phone's own timeouts say so
        source = probe.getsockname()[0]
    if source != address:
        raise UsageError(
            f"this host already routes {subnet} (the lease's subnet) through another "
            f"interface, from {source}: the phone's DNS, web and SIP traffic would leave "
            f"there instead of on {interface}; take that network off this host's "
            "interfaces, or boot with --no-bring-up"
        )


def _ifreq_address(interface: str, address: str) -> bytes:
    """A `struct ifreq` holding an AF_INET `sockaddr_in` (port 0)."""
    packed = ipaddress.IPv4Address(address).packed
    return struct.pack("16sH2s4s8s", interface.encode(), socket.AF_INET, b"", packed, b"")


__all__ = ["BridgedVlans"]
