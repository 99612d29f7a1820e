"""What the lab's switch says in LLDP-MED: one network policy TLV, or nothing.

In memory (`LabPair`) the policy reaches the phone as the event a driver makes of a real
frame; live, a real switch (or lldpd in a test's namespace) sends it.
"""

from __future__ import annotations

from dataclasses import dataclass

from phonesim.core.events import LldpPolicyHeard


@dataclass(frozen=True)
class LldpSpec:
    """A scenario's `[lldp]` table."""

    vlan: int = 150
    tagged: bool = True
    """TIA-1057's Tagged flag: off, the policy's VLAN id is to be ignored."""
    application: str = "voice"
    priority: int = 5
    dscp: int = 46
    delay: float = 1.0
    """Seconds after the phone starts listening that the switch's frame arrives."""
    switch: str = "lab-switch"

    def policy(self) -> LldpPolicyHeard:
        return LldpPolicyHeard(
            application=self.application,
            vlan_id=self.vlan,
            tagged=self.tagged,
            priority=self.priority,
            dscp=self.dscp,
            switch=self.switch,
        )


__all__ = ["LldpSpec"]
