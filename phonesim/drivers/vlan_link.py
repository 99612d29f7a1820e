"""How the phone's frames get onto a VLAN: the small interface the live link asks.

These machines' kernels have no 802.1Q, so tagging is done in user space by a bridge
(a TAP device that tags what leaves it for the parent and untags what comes back);
`open_vlan` returns the interface the phone then speaks on, `assign` puts the leased
address there so the kernel's TCP works from it. `ParentInterface` is the stand-in
used where no bridge is given: the VLAN is left to the switch port (an access port
already on the voice VLAN) and the phone speaks on the named interface, untagged.
"""

from __future__ import annotations

from typing import Protocol


class VlanOpener(Protocol):
    def open_vlan(self, parent: str, vlan_id: int, priority: int = 0) -> str:
        """The interface whose frames leave `parent` tagged with `vlan_id` (and `priority`)."""
        ...

    def assign(self, interface: str, address: str, mask: str | None) -> None: ...

    def close(self) -> None: ...


class ParentInterface:
    """No tagging: every VLAN is the parent interface, as on an access port."""

    def __init__(self) -> None:
        self.asked: list[int] = []

    def open_vlan(self, parent: str, vlan_id: int, priority: int = 0) -> str:
        self.asked.append(vlan_id)
        return parent

    def assign(self, interface: str, address: str, mask: str | None) -> None:
        return None  # the interface keeps its own address: nothing is changed on the host

    def close(self) -> None:
        return None


__all__ = ["ParentInterface", "VlanOpener"]
