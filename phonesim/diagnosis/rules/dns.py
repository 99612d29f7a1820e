"""DNS rules: a registrar SRV target outside the domain, no SRV record, a web services host
that does not resolve."""

from __future__ import annotations

from typing import Any

from phonesim.core import failure_reasons as reasons
from phonesim.core import trace_schema as ts
from phonesim.core.stage import Stage
from phonesim.diagnosis.boot_record import BootRecord, Step
from phonesim.diagnosis.declared_fields import fields_of
from phonesim.diagnosis.finding import Finding
from phonesim.diagnosis.phone_screen import screen_for
from phonesim.diagnosis.rules.evidence import TEXTS, at, severity

SRV_TARGET_OUTSIDE_DOMAIN = TEXTS["dns.srv_target_outside_domain"]
SRV_MISSING = TEXTS["dns.srv_missing"]
WEB_HOST_UNRESOLVED = TEXTS["dns.web_host_unresolved"]
FINDING_IDS = frozenset(
    text.id for text in (SRV_TARGET_OUTSIDE_DOMAIN, SRV_MISSING, WEB_HOST_UNRESOLVED)
)
"""The findings about the site's DNS (a replay leaves them out for names its capture lacks)."""

SRV = "SRV"


def dns_srv_target_outside_domain(record: BootRecord) -> Finding | None:
    rejected = record.first(ts.DNS_SRV_TARGET_REJECTED)
    if rejected is None:
        return None
    fields = fields_of(ts.DNS_SRV_TARGET_REJECTED, rejected)
    explains = record.ended_with(reasons.REGISTRAR_NONE_FOUND)
    return SRV_TARGET_OUTSIDE_DOMAIN.finding(
        severity=severity(explains),
        evidence={
            "name": fields.get("name"),
            "target": fields.get("target"),
            "domain": fields.get("domain"),
            **at(rejected),
        },
        phone_screen=screen_for(Stage.REGISTRAR) if explains else None,
        priority=5,
        name=fields.get("name"),
        target=fields.get("target"),
        domain=fields.get("domain"),
    )


def _first_registrar_srv(record: BootRecord) -> Any:
    """The first SRV name the phone asked for a registrar."""
    for step in record.all(ts.DNS_QUERY):
        query = fields_of(ts.DNS_QUERY, step)
        if query.get("type") == SRV and "_sip" in str(query.get("name")):
            return query.get("name")
    return None


def dns_srv_missing(record: BootRecord) -> Finding | None:
    if record.used_cache:
        return None
    name = _first_registrar_srv(record)
    if name is None:
        return None
    missing = next((step for step in record.all(ts.DNS_NO_ANSWER) if _unanswered(step, name)), None)
    if missing is None or record.first(ts.DNS_SRV_TARGET_REJECTED) is not None:
        return None
    error = fields_of(ts.DNS_NO_ANSWER, missing).get("error")
    return SRV_MISSING.finding(
        severity="warning",
        evidence={"name": name, "error": error, **at(missing)},
        priority=60,
        name=name,
        error=error,
    )


def _unanswered(step: Step, name: Any) -> bool:
    fields = fields_of(ts.DNS_NO_ANSWER, step)
    return fields.get("name") == name and fields.get("type") == SRV


def dns_web_host_unresolved(record: BootRecord) -> Finding | None:
    failure = record.failure
    if failure is None or not record.ended_with(reasons.ROOTCHAIN_WEB_HOST_UNRESOLVED):
        return None
    host = fields_of(ts.failed(Stage.ROOTCHAIN), failure).get("host")
    return WEB_HOST_UNRESOLVED.finding(
        severity="error",
        evidence={"host": host, **at(failure)},
        phone_screen=screen_for(Stage.ROOTCHAIN),
        priority=15,
        host=host,
    )


RULES = (dns_srv_target_outside_domain, dns_srv_missing, dns_web_host_unresolved)
