"""Giving the phone's leases back when its boot ends.

A phone switched off after a boot never sends a DHCPRELEASE (the lease runs out on
its own), but a boot run again and again from one machine would fill a site's
pool with leases of boots long over: phonesim gives them back unless asked to keep
them. Apart from the conductor (`phonesim.core.phone`) because it is the end of
the bring-up's leases, not a step of the boot.
"""

from __future__ import annotations

from phonesim.core.context import BootContext
from phonesim.core.stages.dora import Dora

WHY = "the boot ended"


def release_held_leases(ctx: BootContext) -> None:
    """DHCPRELEASE for every lease the phone still holds (its own, or the VLAN query's
    when the boot ended before the move), each traced as `lease.released`."""
    held = ctx.bringup
    if held.lease is not None:
        Dora(ctx, "lease", None).release(held.lease, WHY)
        held.lease = None
    if held.query_lease is not None:
        Dora(ctx, "vlan", None).release(held.query_lease, WHY)
        held.query_lease = None
