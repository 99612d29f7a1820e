"""The `CPE-OCPHONE` VLAN query (fidelity row 2), when LLDP-MED gave no VLAN.

gg412828: "The IP phone makes two DHCP option 43 requests: a VLAN ID request (vendor class
ID: CPE-OCPHONE) and a certificate provisioning service URL request (MS-UC-Client)." The
VLAN is option 43 sub-option 10 of the answer (`codec/cpe_ocphone_option.py`). Per the
Communicator Phone Edition 2007 notes the phone then releases that lease and DHCPs again,
tagged, on the VLAN. An answer without a usable VLAN leaves the phone where it is: the
lease it took is its lease (`Stage.LEASE` keeps it).
"""

from __future__ import annotations

from typing import ClassVar

from phonesim.codec.cpe_ocphone_option import decode_cpe_ocphone_option
from phonesim.codec.lease_options import LeaseValues
from phonesim.core.context import BootContext
from phonesim.core.stage import Stage
from phonesim.core.stages.base import DONE, Step
from phonesim.core.stages.dora import Dora, DoraEnd, DoraStage, Leased
from phonesim.core.stages.lldp import join_vlan
from phonesim.core.trace_bringup import (
    LEASE_ACKED,
    VLAN_GIVEN,
    VLAN_NOT_GIVEN,
    VLAN_QUERY_SKIPPED,
)
from phonesim.errors import PhonesimError

PURPOSE = "vlan"


class VlanQuery(DoraStage):
    __slots__ = ("ctx",)
    stage: ClassVar[Stage] = Stage.VLAN

    def __init__(self, ctx: BootContext) -> None:
        self.ctx = ctx
        self.dora = Dora(ctx, PURPOSE, ctx.profile.bringup.vlan_vendor_class)

    def start(self, now: float) -> Step:
        state = self.ctx.bringup
        if state.vlan:
            self.ctx.out.trace(
                VLAN_QUERY_SKIPPED, vlan=state.vlan, why=f"{state.vlan_source} gave the VLAN"
            )
            return DONE
        self.dora.start(now)
        return None

    def _ended(self, end: DoraEnd | None) -> Step:
        if end is None:
            return None
        ctx = self.ctx
        if not isinstance(end, Leased):
            ctx.out.trace(
                VLAN_NOT_GIVEN,
                why="no DHCP answer to the VLAN query" if not end.refused else "refused",
                note="the phone stays untagged and asks for its lease there",
            )
            return DONE
        values = end.values
        ctx.out.trace(
            LEASE_ACKED,
            purpose=PURPOSE,
            server=values.server_id,
            address=values.address,
            vlan=0,
        )
        server = values.server_id or ""
        if values.vendor_specific is None:
            return self._stay(values, server, "the answer has no option 43")
        try:
            option = decode_cpe_ocphone_option(values.vendor_specific)
        except PhonesimError as error:
            return self._stay(values, server, f"option 43 is unreadable: {error}")
        if option.vlan_id is None:
            return self._stay(values, server, "option 43 has no sub-option 10 (VLAN ID)")
        if not option.usable:
            return self._stay(values, server, f"VLAN {option.vlan_id} is outside 1..4094")
        ctx.out.trace(
            VLAN_GIVEN, vlan=option.vlan_id, server=server, as_integer=option.vlan_as_integer
        )
        self.dora.release(values, f"moving to VLAN {option.vlan_id}")
        join_vlan(ctx.bringup, ctx.out, option.vlan_id, 0, "dhcp")
        return DONE

    def _stay(self, values: LeaseValues, server: str, why: str) -> Step:
        self.ctx.bringup.query_lease = values
        self.ctx.out.trace(
            VLAN_NOT_GIVEN,
            server=server,
            why=why,
            note="the phone stays untagged and keeps this lease",
        )
        return DONE


__all__ = ["VlanQuery"]
