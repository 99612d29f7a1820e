"""The phone's own lease (fidelity row 3): DORA on the voice VLAN before the INFORM.

Seed 000: "After acquiring an IP address, a device needs to get the web address..."; the
screen says "Acquiring IP Address" (UP-7416ff3a). The lease gives the address the INFORM
then carries in ciaddr, and the DNS servers, domain and time servers the rest of the boot
uses (`lease_values`). A phone the VLAN query left untagged already holds a lease: it
keeps that one.
"""

from __future__ import annotations

from typing import ClassVar

from phonesim.core.context import BootContext
from phonesim.core.stage import Stage
from phonesim.core.stages.base import DONE, Failed, Step
from phonesim.core.stages.dora import Dora, DoraEnd, DoraStage, Leased
from phonesim.core.stages.lease_values import take_lease
from phonesim.core.trace_bringup import LEASE_ACKED, LEASE_KEPT_FROM_QUERY

PURPOSE = "lease"


class Lease(DoraStage):
    __slots__ = ("ctx",)
    stage: ClassVar[Stage] = Stage.LEASE

    def __init__(self, ctx: BootContext) -> None:
        self.ctx = ctx
        self.dora = Dora(ctx, PURPOSE, ctx.profile.bringup.lease_vendor_class)

    def start(self, now: float) -> Step:
        ctx = self.ctx
        kept = ctx.bringup.query_lease
        if kept is not None and not ctx.bringup.vlan:
            ctx.bringup.query_lease = None
            ctx.out.trace(LEASE_KEPT_FROM_QUERY, address=kept.address, server=kept.server_id)
            take_lease(ctx, kept)
            return DONE
        self.dora.start(now)
        return None

    def _ended(self, end: DoraEnd | None) -> Step:
        if end is None:
            return None
        ctx = self.ctx
        vlan = ctx.bringup.vlan
        on = f" on VLAN {vlan}" if vlan else ""
        if not isinstance(end, Leased):
            if end.refused:
                return Failed(
                    Stage.LEASE,
                    "refused",
                    f"the DHCP server{on} refused every REQUEST (DHCPNAK)",
                    vlan=vlan,
                    attempts=end.attempts,
                )
            return Failed(
                Stage.LEASE,
                "timeout",
                f"no DHCP server{on} answered the phone's DISCOVER or REQUEST",
                vlan=vlan,
                attempts=end.attempts,
            )
        values = end.values
        fields: dict[str, object] = {
            "purpose": PURPOSE,
            "server": values.server_id,
            "address": values.address,
            "mask": values.mask,
            "routers": list(values.routers),
            "dns_servers": list(values.dns_servers),
            "domain": values.domain,
            "time_servers": list(values.time_servers),
            "ntp_servers": list(values.ntp_servers),
            "lease_time": values.lease_time,
            "vlan": vlan,
        }
        if values.malformed:
            fields["malformed"] = list(values.malformed)
        ctx.out.trace(LEASE_ACKED, **{k: v for k, v in fields.items() if v not in (None, [])})
        take_lease(ctx, values)
        return DONE


__all__ = ["Lease"]
