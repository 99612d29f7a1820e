"""Bring-up rules: what the switch said in LLDP-MED, the VLAN DHCP gave, the lease."""

from __future__ import annotations

from phonesim.core import failure_reasons as reasons
from phonesim.core import trace_bringup as tb
from phonesim.core import trace_schema as ts
from phonesim.core.stage import Stage
from phonesim.diagnosis.boot_record import BootRecord
from phonesim.diagnosis.declared_fields import fields_of
from phonesim.diagnosis.finding import Finding
from phonesim.diagnosis.phone_screen import LOCATING_FAILED, screen_for
from phonesim.diagnosis.rules.evidence import TEXTS, URL_FAILURES, at, outcome, severity

LLDP_SILENT = TEXTS["lldp.silent"]
LLDP_UNTAGGED = TEXTS["lldp.untagged_policy"]
VLAN_NOT_GIVEN = TEXTS["vlan.not_given"]
VLAN_NO_POOL_DHCP = TEXTS["vlan.no_pool_dhcp"]
LEASE_NO_ANSWER = TEXTS["lease.no_answer"]
LEASE_OPTION_MISSING = TEXTS["lease.option_missing"]

_CONSEQUENCES = {
    6: "Without option 6 it has no DNS server: no SRV lookup, and no name it is given resolves.",
    15: "Without option 15 it has no DNS domain: no SRV lookup for the registrar, no "
    "_ntp._udp.<domain>, no ucupdates-r2.<domain>.",
}


def lldp_silent(record: BootRecord) -> Finding | None:
    silent = record.first(tb.LLDP_SILENT)
    if silent is None or record.first(tb.LLDP_POLICY_IGNORED) is not None:
        return None
    timeout = fields_of(tb.LLDP_SILENT, silent)["timeout"]
    return LLDP_SILENT.finding(
        severity="info", evidence={"timeout": timeout, **at(silent)}, priority=95, timeout=timeout
    )


def lldp_untagged_policy(record: BootRecord) -> Finding | None:
    for step in record.all(tb.LLDP_POLICY_IGNORED):
        fields = fields_of(tb.LLDP_POLICY_IGNORED, step)
        if fields.get("application") == "voice" and fields.get("tagged") is False:
            vlan = fields["vlan"]
            return LLDP_UNTAGGED.finding(
                severity="warning",
                evidence={"vlan": vlan, "tagged": False, **at(step)},
                priority=60,
                vlan=vlan,
            )
    return None


def vlan_not_given(record: BootRecord) -> Finding | None:
    step = record.first(tb.VLAN_NOT_GIVEN)
    if step is None:
        return None
    fields = fields_of(tb.VLAN_NOT_GIVEN, step)
    server = fields.get("server")
    why = str(fields.get("why", ""))
    answer = f"{server}'s answer: {why}" if server else f"it got {why}"
    sent = record.first(tb.LEASE_DISCOVER_SENT)
    vendor = fields_of(tb.LEASE_DISCOVER_SENT, sent).get("vendor_class") if sent else None
    # Left on the data network, the phone fails where nothing serves it: no lease there,
    # or no answer to its INFORM.
    explains = record.failure is not None and (
        record.ended_with(*reasons.reasons_at(Stage.LEASE)) or record.first(ts.DHCP_ANSWER) is None
    )
    return VLAN_NOT_GIVEN.finding(
        severity=severity(explains),
        evidence={"server": server, "why": why, **at(step)},
        phone_screen=LOCATING_FAILED if explains else None,
        priority=15,
        vendor_class=vendor or "CPE-OCPHONE",
        vlan_answer=answer,
        outcome=outcome(explains),
    )


def vlan_no_pool_dhcp(record: BootRecord) -> Finding | None:
    joined = record.first(tb.VLAN_JOINED)
    lease = record.last(tb.LEASE_VALUES)
    if joined is None or lease is None or record.first(ts.DHCP_GAVE_UP) is None:
        return None
    if record.first(ts.DHCP_ANSWER) is not None:
        return None
    vlan = fields_of(tb.VLAN_JOINED, joined)["vlan"]
    source = "LLDP-MED" if fields_of(tb.VLAN_JOINED, joined).get("source") == "lldp" else "DHCP"
    address = fields_of(tb.LEASE_VALUES, lease)["address"]
    explains = record.failure is not None and (
        record.ended_with(*URL_FAILURES)
        or record.ended_with(reasons.REGISTRAR_NONE_FOUND, reasons.DISCOVERY_NO_SERVERS)
    )
    return VLAN_NO_POOL_DHCP.finding(
        severity=severity(explains),
        evidence={"vlan": vlan, "vlan_from": source, "address": address, **at(joined)},
        phone_screen=LOCATING_FAILED if explains else None,
        priority=10,
        vlan=vlan,
        source=source,
        address=address,
    )


def lease_no_answer(record: BootRecord) -> Finding | None:
    gave_up = record.last(tb.LEASE_GAVE_UP)
    if gave_up is None or not record.ended_with(reasons.LEASE_TIMEOUT):
        return None
    discovers = [
        s
        for s in record.all(tb.LEASE_DISCOVER_SENT)
        if fields_of(tb.LEASE_DISCOVER_SENT, s).get("purpose") == "lease"
    ]
    vlan = fields_of(tb.LEASE_GAVE_UP, gave_up).get("vlan") or 0
    return LEASE_NO_ANSWER.finding(
        severity="error",
        evidence={"vlan": vlan, "discovers": len(discovers), **at(gave_up)},
        phone_screen=screen_for(Stage.LEASE),
        priority=5,
        given=_given(record, vlan),
        on=f"on VLAN {vlan}" if vlan else "on the untagged network",
        discovers=len(discovers),
        seconds=gave_up.t - discovers[0].t if discovers else 0.0,
        why=fields_of(tb.LEASE_GAVE_UP, gave_up).get("note") or "no answer",
    )


def lease_option_missing(record: BootRecord) -> Finding | None:
    missing = record.all(tb.LEASE_OPTION_MISSING)
    if not missing:
        return None
    options = sorted({int(fields_of(tb.LEASE_OPTION_MISSING, s)["option"]) for s in missing})
    vlan = fields_of(tb.LEASE_OPTION_MISSING, missing[0]).get("vlan") or 0
    # Without a DNS server nothing resolves; without a domain only DNS discovery is lost.
    explains = record.failure is not None and (
        6 in options
        or record.ended_with(reasons.REGISTRAR_NONE_FOUND, reasons.DISCOVERY_NO_SERVERS)
    )
    failure = record.failure
    return LEASE_OPTION_MISSING.finding(
        severity=severity(explains),
        evidence={"options": options, "vlan": vlan, **at(missing[0])},
        phone_screen=screen_for(failure.stage) if explains and failure is not None else None,
        priority=8,
        where=_where(record, vlan),
        options=" or ".join(str(o) for o in options),
        consequences=" ".join(_CONSEQUENCES[o] for o in options if o in _CONSEQUENCES),
    )


def _given(record: BootRecord, vlan: int) -> str:
    """`DHCP gave VLAN 150; `: who named the VLAN, as a person reads the boot."""
    joined = record.first(tb.VLAN_JOINED)
    source = fields_of(tb.VLAN_JOINED, joined).get("source") if joined else None
    given = {"dhcp": "DHCP", "lldp": "LLDP-MED"}.get(str(source))
    return f"{given} gave VLAN {vlan}; " if given and vlan else ""


def _where(record: BootRecord, vlan: int) -> str:
    """`DHCP gave VLAN 150; the lease on VLAN 150`."""
    if not vlan:
        return "the lease on the untagged network"
    return f"{_given(record, vlan)}the lease on VLAN {vlan}"


RULES = (
    lease_no_answer,
    vlan_no_pool_dhcp,
    vlan_not_given,
    lease_option_missing,
    lldp_untagged_policy,
    lldp_silent,
)
