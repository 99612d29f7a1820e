"""What the lab's switch says in LLDP-MED: one network policy TLV, or nothing.

In memory (`LabPair`) and on loopback (`app/lab_link`) the policy reaches the phone as the
event a driver makes of a real frame; live, a real switch (or lldpd in a namespace) sends it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


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

    def policy_fields(self) -> dict[str, Any]:
        """The policy as the phone's `LldpPolicyHeard` event takes it (the lab never
        imports the core: whoever hands the policy to the phone makes the event)."""
        fields = asdict(self)
        fields["vlan_id"] = fields.pop("vlan")
        del fields["delay"]
        return fields


__all__ = ["LldpSpec"]
