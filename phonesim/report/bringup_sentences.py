"""The timeline's sentences for the bring-up's events (LLDP-MED, the VLAN query, the move
to the VLAN, the lease), taken into `event_sentences`' table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from phonesim.core import trace_bringup as tb
from phonesim.core.trace_event import TraceEvent
from phonesim.diagnosis.declared_fields import DeclaredFields

Sentence = Callable[[DeclaredFields], str]

BRINGUP_SENTENCES: dict[TraceEvent, Sentence] = {}
"""The sentence of every bring-up event; `event_sentences` takes them into its table."""


def says(*events: TraceEvent) -> Callable[[Sentence], Sentence]:
    def register(sentence: Sentence) -> Sentence:
        for event in events:
            BRINGUP_SENTENCES[event] = sentence
        return sentence

    return register


def _join(values: Any) -> str:
    if isinstance(values, list | tuple):
        return ", ".join(str(v) for v in values) or "-"
    return "-" if values is None else str(values)


def _what(f: DeclaredFields) -> str:
    return "VLAN query" if f.get("purpose") == "vlan" else "lease"


@says(tb.LLDP_LISTENING)
def _listening(f: DeclaredFields) -> str:
    return f"listening for the switch's LLDP-MED voice policy ({f['timeout']:g} s)"


@says(tb.LLDP_POLICY_IGNORED)
def _policy_ignored(f: DeclaredFields) -> str:
    return f"ignored LLDP-MED {f['application']} policy VLAN {f['vlan']}: {f['why']}"


@says(tb.LLDP_VOICE_VLAN)
def _voice_vlan(f: DeclaredFields) -> str:
    switch = f" from {f['switch']}" if f.get("switch") else ""
    return f"LLDP-MED{switch}: voice VLAN {f['vlan']}, priority {f['priority']}, DSCP {f['dscp']}"


@says(tb.LLDP_SILENT)
def _silent(f: DeclaredFields) -> str:
    return f"{f['note']}: asking DHCP for the VLAN"


@says(tb.VLAN_QUERY_SKIPPED)
def _query_skipped(f: DeclaredFields) -> str:
    return f"no VLAN query: {f['why']} (VLAN {f['vlan']})"


@says(tb.VLAN_GIVEN)
def _vlan_given(f: DeclaredFields) -> str:
    form = " (as a binary integer, not ASCII digits)" if f.get("as_integer") else ""
    return f"DHCP gave VLAN {f['vlan']}{form} (option 43 sub-option 10, from {f['server']})"


@says(tb.VLAN_NOT_GIVEN)
def _vlan_not_given(f: DeclaredFields) -> str:
    server = f" from {f['server']}" if f.get("server") else ""
    return f"the VLAN query{server} gave no VLAN: {f['why']}; {f['note']}"


@says(tb.VLAN_JOINED)
def _joined(f: DeclaredFields) -> str:
    return (
        f"moved to VLAN {f['vlan']} (802.1Q priority {f['priority']}, from {f['source'].upper()})"
    )


@says(tb.LEASE_DISCOVER_SENT)
def _discover_sent(f: DeclaredFields) -> str:
    on = f" on VLAN {f['vlan']}" if f.get("vlan") else " untagged"
    vendor = f"vendor class {f['vendor_class']}" if f.get("vendor_class") else "no vendor class"
    return (
        f"DHCPDISCOVER #{f['attempt']} ({_what(f)}){on}, xid {f['xid']}, {vendor}, "
        f"asking options {_join(f['requested'])}"
    )


@says(tb.LEASE_OFFERED)
def _offered(f: DeclaredFields) -> str:
    return f"DHCPOFFER of {f['address']} from {f['server']} ({_what(f)})"


@says(tb.LEASE_REQUEST_SENT)
def _request_sent(f: DeclaredFields) -> str:
    return f"DHCPREQUEST #{f['attempt']} for {f['address']} to {f['server']} ({_what(f)})"


@says(tb.LEASE_ANSWER_IGNORED)
def _ignored(f: DeclaredFields) -> str:
    return f"ignored DHCP message from {f['server']} ({_what(f)}): {f['why']}"


@says(tb.LEASE_NAK)
def _nak(f: DeclaredFields) -> str:
    return f"DHCPNAK from {f['server']} ({_what(f)}): starting over with a DISCOVER"


@says(tb.LEASE_ACKED)
def _acked(f: DeclaredFields) -> str:
    parts = [f"DHCPACK ({_what(f)}) from {f['server']}: address {f['address']}"]
    if f.get("mask"):
        parts.append(f"mask {f['mask']}")
    for key, label in (
        ("routers", "router"),
        ("dns_servers", "DNS (6)"),
        ("time_servers", "time (4)"),
        ("ntp_servers", "NTP (42)"),
    ):
        if f.get(key):
            parts.append(f"{label} {_join(f[key])}")
    if f.get("domain"):
        parts.append(f"domain (15) {f['domain']}")
    if f.get("lease_time") is not None:
        parts.append(f"lease {f['lease_time']} s")
    if f.get("malformed"):
        parts.append(f"unreadable: {_join(f['malformed'])}")
    return ", ".join(parts)


@says(tb.LEASE_RELEASED)
def _released(f: DeclaredFields) -> str:
    return f"DHCPRELEASE of {f['address']} to {f['server']}: {f['why']}"


@says(tb.LEASE_GAVE_UP)
def _gave_up(f: DeclaredFields) -> str:
    on = f" on VLAN {f['vlan']}" if f.get("vlan") else ""
    return f"{_what(f)}{on}: {f['note']} after {f['attempts']} tries"


@says(tb.LEASE_VALUES)
def _values(f: DeclaredFields) -> str:
    def value(name: str, source: str) -> str:
        given = f.get(name)
        if not given:
            return f"{name.replace('_', ' ')} none"
        return f"{name.replace('_', ' ')} {_join(given)} ({f.get(source) or '?'})"

    return f"using address {f['address']}; " + "; ".join(
        (
            value("domain", "domain_source"),
            value("dns_servers", "dns_source"),
            value("ntp_servers", "ntp_source"),
        )
    )


@says(tb.LEASE_OPTION_MISSING)
def _missing(f: DeclaredFields) -> str:
    return str(f["note"])


@says(tb.LEASE_KEPT_FROM_QUERY)
def _kept(f: DeclaredFields) -> str:
    return (
        f"keeping the VLAN query's lease of {f['address']} from {f['server']} (no VLAN to move to)"
    )


@says(tb.DHCP_DOMAIN_FROM_ACK)
def _ack_domain(f: DeclaredFields) -> str:
    instead = f" instead of {f['replaces']} ({f['replaces_source']})" if f.get("replaces") else ""
    return f"domain {f['domain']} from the DHCPACK of {f['server']} (option 15){instead}"


__all__ = ["BRINGUP_SENTENCES"]
