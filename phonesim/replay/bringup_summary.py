"""What a replayed boot's bring-up came to, read from the core's own trace events.

The VLAN the phone moved to (and how option 43 sub-option 10 spelt it: ASCII digits, as
the vendors' manuals give it, or the one-byte integer dnsmasq sends for an unquoted
number), and the values the phone uses from its lease on, each with where it came from.
The renderer and the JSON both show this one reading.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from phonesim.core import trace_bringup as tb
from phonesim.core import trace_schema as ts
from phonesim.core.commands import Trace
from phonesim.diagnosis.declared_fields import fields_of

ASCII_DIGITS = "ASCII digits"
ONE_BYTE_INTEGER = "one-byte integer (dnsmasq's unquoted number)"


@dataclass
class BringUpSummary:
    vlan: int = 0
    vlan_source: str = ""
    """`dhcp` or `lldp`; empty when the phone stayed untagged."""
    vlan_server: str | None = None
    vlan_spelling: str | None = None
    vlan_not_given: str | None = None
    """Why the VLAN query left the phone untagged, when it did."""
    lease: dict[str, Any] = field(default_factory=dict)
    """The lease's values as the phone took them (`lease.values`), with their sources."""
    domain_from_ack: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.vlan or self.vlan_not_given or self.lease)

    def to_json(self) -> dict[str, Any]:
        return {
            "vlan": self.vlan or None,
            "vlan_source": self.vlan_source or None,
            "vlan_server": self.vlan_server,
            "vlan_spelling": self.vlan_spelling,
            "vlan_not_given": self.vlan_not_given,
            "lease": self.lease or None,
            "domain_from_inform_ack": self.domain_from_ack,
        }


def summarise_bringup(traces: Iterable[Trace]) -> BringUpSummary:
    summary = BringUpSummary()
    for trace in traces:
        if tb.VLAN_GIVEN.matches(trace):
            given = fields_of(tb.VLAN_GIVEN, trace)
            summary.vlan_server = str(given.get("server") or "") or None
            summary.vlan_spelling = ONE_BYTE_INTEGER if given.get("as_integer") else ASCII_DIGITS
        elif tb.VLAN_JOINED.matches(trace):
            joined = fields_of(tb.VLAN_JOINED, trace)
            summary.vlan = int(joined.get("vlan") or 0)
            summary.vlan_source = str(joined.get("source") or "")
        elif tb.VLAN_NOT_GIVEN.matches(trace):
            summary.vlan_not_given = str(fields_of(tb.VLAN_NOT_GIVEN, trace).get("why"))
        elif tb.LEASE_VALUES.matches(trace):
            summary.lease = dict(fields_of(tb.LEASE_VALUES, trace))
        elif ts.DHCP_DOMAIN_FROM_ACK.matches(trace):
            summary.domain_from_ack = str(fields_of(ts.DHCP_DOMAIN_FROM_ACK, trace).get("domain"))
    return summary


__all__ = ["ASCII_DIGITS", "ONE_BYTE_INTEGER", "BringUpSummary", "summarise_bringup"]
