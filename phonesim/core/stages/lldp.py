"""LLDP-MED first (fidelity row 1): the phone listens for the switch's network policy.

UP-7416ff3a: a Lync 2010 device "will first send an ... (LLDP) request to the switch. If
the switch does not respond in time, the device falls back to DHCP to discover the VLAN."
A network policy TLV (TIA-1057 §10.2.3) for application *voice* with the Tagged flag set
names the voice VLAN; with the flag off the policy says "untagged" and its VLAN id must be
ignored (TIA-1057), as must a policy the switch marks unknown. What the phone itself sends
to the switch is not modelled: phonesim only listens, and only where the user named the
interface.
"""

from __future__ import annotations

from typing import ClassVar

from phonesim.codec.cpe_ocphone_option import MAX_VLAN, MIN_VLAN
from phonesim.core.bringup import BringUpState
from phonesim.core.commands import JoinVlan, ListenLldp, StopLldp
from phonesim.core.context import BootContext
from phonesim.core.events import Event, LldpPolicyHeard
from phonesim.core.outbox import Outbox
from phonesim.core.stage import Stage
from phonesim.core.stages.base import DONE, Step, Stepwise
from phonesim.core.trace_bringup import (
    LLDP_LISTENING,
    LLDP_POLICY_IGNORED,
    LLDP_SILENT,
    LLDP_VOICE_VLAN,
    VLAN_JOINED,
)


class LldpListen(Stepwise):
    __slots__ = ("_until",)
    stage: ClassVar[Stage] = Stage.LLDP

    def __init__(self, ctx: BootContext) -> None:
        super().__init__(ctx)
        self._until: float | None = None

    def start(self, now: float) -> Step:
        timeout = self.ctx.profile.bringup.lldp_timeout
        self._until = now + timeout
        self.ctx.out.send(ListenLldp(timeout))
        self.ctx.out.trace(LLDP_LISTENING, timeout=timeout)
        return None

    @property
    def listens_for_lldp(self) -> bool:
        return self._until is not None

    def next_deadline(self) -> float | None:
        return self._until

    def handle(self, event: Event, now: float) -> Step:
        assert isinstance(event, LldpPolicyHeard)
        why = _unusable(event)
        if why is not None:
            self.ctx.out.trace(
                LLDP_POLICY_IGNORED,
                application=event.application,
                vlan=event.vlan_id,
                tagged=event.tagged,
                why=why,
            )
            return None
        ctx = self.ctx
        ctx.out.trace(
            LLDP_VOICE_VLAN,
            vlan=event.vlan_id,
            priority=event.priority,
            dscp=event.dscp,
            switch=event.switch,
        )
        self.stop()
        join_vlan(ctx.bringup, ctx.out, event.vlan_id, event.priority, "lldp")
        return DONE

    def handle_timer(self, now: float) -> Step:
        timeout = self.ctx.profile.bringup.lldp_timeout
        self.stop()
        self.ctx.out.trace(
            LLDP_SILENT,
            timeout=timeout,
            note=f"the switch sent no usable LLDP-MED voice policy in {timeout:g} s",
        )
        return DONE

    def stop(self) -> None:
        if self._until is not None:
            self._until = None
            self.ctx.out.send(StopLldp())


def _unusable(policy: LldpPolicyHeard) -> str | None:
    if policy.application != "voice":
        return f"a policy for {policy.application}, not voice"
    if policy.unknown_policy:
        return "the switch marks the voice policy unknown"
    if not policy.tagged:
        return "Tagged flag off: the policy is for untagged frames and its VLAN id is ignored"
    if not MIN_VLAN <= policy.vlan_id <= MAX_VLAN:
        return f"VLAN {policy.vlan_id} is outside {MIN_VLAN}..{MAX_VLAN}"
    return None


def join_vlan(state: BringUpState, out: Outbox, vlan: int, priority: int, source: str) -> None:
    """Record the VLAN and tell the driver to tag from now on."""
    state.vlan = vlan
    state.vlan_priority = priority
    state.vlan_source = source
    out.send(JoinVlan(vlan, priority, source))
    out.trace(VLAN_JOINED, vlan=vlan, priority=priority, source=source)


__all__ = ["LldpListen", "join_vlan"]
