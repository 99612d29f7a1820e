"""The link under a phone on a real interface: LLDP-MED heard there, the VLAN joined through
a `VlanOpener`, the lease's address used for the phone's DHCP and its DNS servers asked."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from phonesim.core.commands import TakeLease
from phonesim.drivers.bringup_link import PolicyHeard
from phonesim.drivers.lldp_listener import LldpListener
from phonesim.drivers.vlan_link import VlanOpener


class MovableDhcp(Protocol):
    def move_to(self, interface: str) -> None: ...

    def use_address(self, address: str) -> None: ...


class LeaseResolver(Protocol):
    def use_servers(self, nameservers: Sequence[str], port: int = 53) -> None: ...


class LiveLink:
    def __init__(
        self,
        interface: str,
        *,
        dhcp: MovableDhcp,
        resolver: LeaseResolver,
        vlans: VlanOpener,
        keep_user_dns: bool,
    ) -> None:
        self.parent = interface
        self.interface = interface
        """Where the phone speaks now: the parent, or the VLAN's interface once joined."""
        self._dhcp = dhcp
        self._resolver = resolver
        self._vlans = vlans
        self._keep_user_dns = keep_user_dns
        self._lldp: LldpListener | None = None

    def listen_lldp(self, timeout: float, heard: PolicyHeard) -> None:
        self._lldp = LldpListener(self.parent)
        self._lldp.start(heard)

    def stop_lldp(self) -> None:
        if self._lldp is not None:
            self._lldp.stop()
            self._lldp = None

    def join_vlan(self, vlan_id: int, priority: int) -> None:
        interface = self._vlans.open_vlan(self.parent, vlan_id, priority)
        if interface != self.interface:
            self.interface = interface
            self._dhcp.move_to(interface)

    def take_lease(self, lease: TakeLease) -> None:
        self._vlans.assign(self.interface, lease.address, lease.mask)
        self._dhcp.use_address(lease.address)
        if lease.dns_servers and not self._keep_user_dns:
            self._resolver.use_servers(lease.dns_servers)

    def close(self) -> None:
        self.stop_lldp()
        self._vlans.close()


__all__ = ["LiveLink"]
