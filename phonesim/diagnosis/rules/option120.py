"""Option 120 rules: the registrar missing, in an encoding that does not exist, unreadable,
without its final zero, or given as addresses."""

from __future__ import annotations

from typing import Any

from phonesim.core import failure_reasons as reasons
from phonesim.core import trace_schema as ts
from phonesim.core.stage import Stage
from phonesim.diagnosis.boot_record import BootRecord, Step
from phonesim.diagnosis.declared_fields import fields_of
from phonesim.diagnosis.finding import Finding
from phonesim.diagnosis.phone_screen import screen_for
from phonesim.diagnosis.rules.evidence import TEXTS, at, outcome, severity

MISSING = TEXTS["option120.missing"]
BAD_ENCODING = TEXTS["option120.bad_encoding"]
UNREADABLE = TEXTS["option120.unreadable"]
MISSING_TERMINATOR = TEXTS["option120.missing_terminator"]
ADDRESSES = TEXTS["option120.addresses"]


def _registrar_lookup(record: BootRecord) -> list[str]:
    done = record.last(ts.DNS_REGISTRAR_LOOKUP_DONE)
    if done is None:
        return []
    return list(fields_of(ts.DNS_REGISTRAR_LOOKUP_DONE, done).get("found") or [])


def _no_registrar(record: BootRecord) -> bool:
    return record.ended_with(reasons.REGISTRAR_NONE_FOUND)


def option120_missing(record: BootRecord) -> Finding | None:
    answer = record.chosen_answer
    if answer is None:
        return None
    fields = fields_of(ts.DHCP_ANSWER, answer)
    if fields.get("option_120") is not None or fields.get("option_120_error"):
        return None
    explains = _no_registrar(record)
    from_dns = _registrar_lookup(record)
    return MISSING.finding(
        severity=severity(explains),
        evidence={
            "dhcp_server": fields.get("server"),
            "dns_registrars": from_dns,
            **at(answer),
        },
        phone_screen=screen_for(Stage.REGISTRAR) if explains else None,
        priority=30,
        dhcp_server=fields.get("server"),
        from_dns="found" if from_dns else "none",
        dns_registrar_names=", ".join(from_dns),
        outcome=outcome(explains),
    )


def option120_bad_encoding(record: BootRecord) -> Finding | None:
    answer = record.chosen_answer
    if answer is None:
        return None
    fields = fields_of(ts.DHCP_ANSWER, answer)
    if "option_120_encoding" not in fields:
        return None
    encoding = fields["option_120_encoding"]
    explains = _no_registrar(record)
    return BAD_ENCODING.finding(
        severity=severity(explains),
        evidence={
            "dhcp_server": fields.get("server"),
            "encoding": encoding,
            "option_120_hex": fields.get("option_120_hex"),
            **at(answer),
        },
        phone_screen=screen_for(Stage.REGISTRAR) if explains else None,
        priority=10,
        encoding=encoding,
    )


def option120_unreadable(record: BootRecord) -> Finding | None:
    answer = record.chosen_answer
    if answer is None:
        return None
    fields = fields_of(ts.DHCP_ANSWER, answer)
    if not fields.get("option_120_error") or "option_120_encoding" in fields:
        return None
    explains = _no_registrar(record)
    return UNREADABLE.finding(
        severity=severity(explains),
        evidence={
            "dhcp_server": fields.get("server"),
            "error": fields["option_120_error"],
            "option_120_hex": fields.get("option_120_hex"),
            **at(answer),
        },
        phone_screen=screen_for(Stage.REGISTRAR) if explains else None,
        priority=10,
        error=fields["option_120_error"],
    )


def _option_120(record: BootRecord) -> tuple[Step, dict[str, Any]] | None:
    answer = record.chosen_answer
    if answer is None:
        return None
    described = fields_of(ts.DHCP_ANSWER, answer).get("option_120")
    return (answer, described) if isinstance(described, dict) else None


def option120_missing_terminator(record: BootRecord) -> Finding | None:
    found = _option_120(record)
    if found is None or not found[1].get("missing_terminator"):
        return None
    answer, option = found
    servers = option.get("servers") or []
    return MISSING_TERMINATOR.finding(
        severity="warning",
        evidence={
            "dhcp_server": fields_of(ts.DHCP_ANSWER, answer).get("server"),
            "registrar": servers[-1] if servers else None,
            **at(answer),
        },
        priority=70,
    )


def option120_addresses(record: BootRecord) -> Finding | None:
    found = _option_120(record)
    if found is None or found[1].get("encoding") != 1:
        return None
    answer, option = found
    return ADDRESSES.finding(
        severity="info",
        evidence={
            "dhcp_server": fields_of(ts.DHCP_ANSWER, answer).get("server"),
            "addresses": option.get("servers"),
            **at(answer),
        },
        priority=90,
    )


RULES = (
    option120_missing,
    option120_bad_encoding,
    option120_unreadable,
    option120_missing_terminator,
    option120_addresses,
)
