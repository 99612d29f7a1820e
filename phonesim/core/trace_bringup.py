"""Trace events of the bring-up: LLDP-MED, the `CPE-OCPHONE` VLAN query, the move to the
VLAN and the lease (part of `phonesim.core.trace_schema`, which lists them all)."""

from __future__ import annotations

from phonesim.core.stage import Stage
from phonesim.core.trace_event import declare as _event

# -- LLDP-MED ----------------------------------------------------------------------------
LLDP_LISTENING = _event(
    Stage.LLDP,
    "listening",
    ("timeout",),
    "the phone listens for the switch's LLDP-MED network policy",
)
LLDP_POLICY_IGNORED = _event(
    Stage.LLDP,
    "policy_ignored",
    ("application", "vlan", "tagged", "why"),
    "an LLDP-MED network policy the phone cannot use (not voice, or Tagged off: TIA-1057)",
    "warning",
)
LLDP_VOICE_VLAN = _event(
    Stage.LLDP,
    "voice_vlan",
    ("vlan", "priority", "dscp", "switch"),
    "the switch's LLDP-MED voice policy gave the VLAN",
)
LLDP_SILENT = _event(
    Stage.LLDP,
    "silent",
    ("timeout", "note"),
    "no usable LLDP-MED within the timeout: the phone asks DHCP for its VLAN",
    "warning",
)

# -- the VLAN query and the move ---------------------------------------------------------
VLAN_QUERY_SKIPPED = _event(
    Stage.VLAN, "query_skipped", ("vlan", "why"), "the VLAN is already known: no DHCP query"
)
VLAN_GIVEN = _event(
    Stage.VLAN,
    "given",
    ("vlan", "server", "as_integer"),
    "DHCP's answer to vendor class CPE-OCPHONE gave the VLAN (option 43, sub-option 10)",
)
VLAN_NOT_GIVEN = _event(
    Stage.VLAN,
    "not_given",
    ("server", "why", "note"),
    "the answer to the VLAN query names no usable VLAN: the phone stays untagged",
    "warning",
)
VLAN_JOINED = _event(
    Stage.VLAN,
    "joined",
    ("vlan", "priority", "source", "mode"),
    "the phone moves to the voice VLAN: its frames are 802.1Q-tagged from now on",
)

# -- DORA (the VLAN query's and the lease's) ----------------------------------------------
LEASE_DISCOVER_SENT = _event(
    Stage.LEASE,
    "discover_sent",
    ("purpose", "xid", "attempt", "vendor_class", "requested", "vlan", "next_wait"),
    "a DHCPDISCOVER left (first send or a retransmission)",
)
LEASE_OFFERED = _event(
    Stage.LEASE, "offered", ("purpose", "server", "address"), "a DHCPOFFER the phone takes up"
)
LEASE_REQUEST_SENT = _event(
    Stage.LEASE,
    "request_sent",
    ("purpose", "xid", "attempt", "address", "server", "next_wait"),
    "a DHCPREQUEST for the offered address left",
)
LEASE_ANSWER_IGNORED = _event(
    Stage.LEASE,
    "answer_ignored",
    ("purpose", "server", "why"),
    "a DHCP message that is not the answer the phone waits for",
)
LEASE_NAK = _event(
    Stage.LEASE,
    "nak",
    ("purpose", "server"),
    "the server refused the REQUEST: the phone starts over with a DISCOVER",
    "warning",
)
LEASE_ACKED = _event(
    Stage.LEASE,
    "acked",
    (
        "purpose",
        "server",
        "address",
        "mask",
        "routers",
        "dns_servers",
        "domain",
        "time_servers",
        "ntp_servers",
        "lease_time",
        "vlan",
        "malformed",
    ),
    "the DHCPACK: the phone holds the address (every option it read)",
)
LEASE_RELEASED = _event(
    Stage.LEASE,
    "released",
    ("purpose", "address", "server", "why"),
    "the phone gave its address back (DHCPRELEASE)",
)
LEASE_GAVE_UP = _event(
    Stage.LEASE,
    "gave_up",
    ("purpose", "attempts", "vlan", "note"),
    "no DHCP answer to any DISCOVER or REQUEST",
    "warning",
)
LEASE_VALUES = _event(
    Stage.LEASE,
    "values",
    (
        "address",
        "domain",
        "domain_source",
        "dns_servers",
        "dns_source",
        "ntp_servers",
        "ntp_source",
        "missing",
    ),
    "what the phone uses from now on and where each value came from "
    "(lease / inform-ack / user / laptop)",
)
LEASE_KEPT_FROM_QUERY = _event(
    Stage.LEASE,
    "kept_from_query",
    ("address", "server"),
    "no VLAN to move to: the lease the VLAN query took is the phone's lease",
)
LEASE_OPTION_MISSING = _event(
    Stage.LEASE,
    "option_missing",
    ("option", "vlan", "note"),
    "the lease lacks an option the phone needs (6 DNS servers, 15 domain)",
    "warning",
)
DHCP_DOMAIN_FROM_ACK = _event(
    Stage.DHCP,
    "domain_from_ack",
    ("domain", "server", "replaces", "replaces_source"),
    "no lease gave a domain: the INFORM's ACK (option 15) does, before the laptop's",
)
