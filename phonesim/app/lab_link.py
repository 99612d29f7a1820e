"""The link under a phone booted against the embedded lab on loopback.

There is no switch and no VLAN on loopback, so the lab plays them: its switch hands the
phone the scenario's LLDP-MED policy (`[lldp]`), a VLAN the phone joins is told to the
lab's DHCP (which answers as the server on that VLAN would), and a lease that names no
DNS server, or not the lab's, leaves the phone without one, as on a real VLAN.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

from phonesim.core.commands import TakeLease
from phonesim.core.events import LldpPolicyHeard
from phonesim.drivers.bringup_link import PolicyHeard, RecordedLink
from phonesim.lab.enterprise_dhcp import EnterpriseDhcpServer
from phonesim.lab.lldp_switch import LldpSpec


class LeaseResolver(Protocol):
    def use_servers(self, nameservers: Sequence[str], port: int = 53) -> None: ...


class LabLink(RecordedLink):
    def __init__(
        self,
        *,
        mac: str,
        lab_dns: tuple[str, int],
        lldp: LldpSpec | None,
        site_dhcp: EnterpriseDhcpServer | None,
    ) -> None:
        super().__init__()
        self.mac = mac
        self.resolver: LeaseResolver | None = None
        """The phone's resolver, once the boot has made it."""
        self._lab_dns = lab_dns
        self._lldp = lldp
        self._site_dhcp = site_dhcp
        self._switch: asyncio.TimerHandle | None = None

    def listen_lldp(self, timeout: float, heard: PolicyHeard) -> None:
        super().listen_lldp(timeout, heard)
        spec = self._lldp
        if spec is not None:
            policy = LldpPolicyHeard(**spec.policy_fields())
            self._switch = asyncio.get_running_loop().call_later(spec.delay, heard, policy)

    def stop_lldp(self) -> None:
        if self._switch is not None:
            self._switch.cancel()
            self._switch = None

    def join_vlan(self, vlan_id: int, priority: int) -> None:
        super().join_vlan(vlan_id, priority)
        if self._site_dhcp is not None:
            self._site_dhcp.vlan_of[self.mac] = vlan_id

    def take_lease(self, lease: TakeLease) -> None:
        super().take_lease(lease)
        if self.resolver is None:
            return
        address, port = self._lab_dns
        self.resolver.use_servers([address] if address in lease.dns_servers else [], port)

    def close(self) -> None:
        self.stop_lldp()


__all__ = ["LabLink", "LeaseResolver"]
