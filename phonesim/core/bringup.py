"""What the bring-up learnt (the VLAN, the leases) and which bring-up stages a boot plays.

The profile says what the device does (`[bringup]`); the driver says whether this boot has
a network of its own to play it on, and the command line may leave a part out. Kept apart
from the stages so the conductor, the drivers and the reports read one small value.
"""

from __future__ import annotations

from dataclasses import dataclass

from phonesim.codec.lease_options import LeaseValues
from phonesim.core.profile import DeviceProfile
from phonesim.core.stage import Stage


@dataclass(slots=True)
class BringUpState:
    vlan: int = 0
    """The voice VLAN the phone tags its frames with; 0: untagged."""
    vlan_priority: int = 0
    vlan_source: str = ""
    query_lease: LeaseValues | None = None
    """The lease the VLAN query took, while the phone still holds it."""
    lease: LeaseValues | None = None
    """The phone's own lease, once it has one."""
    ntp_source: str = ""


def bringup_stages(
    profile: DeviceProfile,
    *,
    lldp: bool | None = None,
    vlan_query: bool | None = None,
    lease: bool | None = None,
) -> frozenset[Stage]:
    """The bring-up stages a boot plays: the profile's, each turned on or off by the user
    (None keeps the profile's choice)."""
    device = profile.bringup
    chosen = {
        Stage.LLDP: device.lldp if lldp is None else lldp,
        Stage.VLAN: device.vlan_query if vlan_query is None else vlan_query,
        Stage.LEASE: device.lease if lease is None else lease,
    }
    return frozenset(stage for stage, on in chosen.items() if on)


__all__ = ["BringUpState", "bringup_stages"]
