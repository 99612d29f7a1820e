"""What the phone's bring-up asks of the link under it: listen for LLDP-MED, tag frames for
a VLAN, hold a leased address.

A small interface (`BringUpLink`) so the runner does not care whether the link is real:
`RecordedLink` is the lab's (a VLAN joined or a lease taken is recorded, not done: on
loopback there is no switch and no address to change; LLDP-MED is never heard, so the
phone's own timer moves it on), and `drivers/live_link.py` is a named interface's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from phonesim.core.commands import TakeLease
from phonesim.core.events import LldpPolicyHeard

PolicyHeard = Callable[[LldpPolicyHeard], None]


class BringUpLink(Protocol):
    def listen_lldp(self, timeout: float, heard: PolicyHeard) -> None:
        """Hand every LLDP-MED network policy heard to `heard`, until `stop_lldp`."""
        ...

    def stop_lldp(self) -> None: ...

    def join_vlan(self, vlan_id: int, priority: int) -> None:
        """From now on the phone's DHCP (and, once it has an address, everything) is tagged."""
        ...

    def take_lease(self, lease: TakeLease) -> None: ...

    def close(self) -> None:
        """The phone is done: let go of the VLAN and the address."""
        ...


@dataclass
class RecordedLink:
    """The lab's link: nothing to listen on, nothing to tag; what the phone asked is kept."""

    vlans: list[tuple[int, int]] = field(default_factory=list)
    leases: list[TakeLease] = field(default_factory=list)
    listened: list[float] = field(default_factory=list)

    def listen_lldp(self, timeout: float, heard: PolicyHeard) -> None:
        self.listened.append(timeout)

    def stop_lldp(self) -> None:
        return None

    def join_vlan(self, vlan_id: int, priority: int) -> None:
        self.vlans.append((vlan_id, priority))

    def take_lease(self, lease: TakeLease) -> None:
        self.leases.append(lease)

    def close(self) -> None:
        return None


__all__ = ["BringUpLink", "PolicyHeard", "RecordedLink"]
