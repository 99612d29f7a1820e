"""Option 43 rules: the certificate service URL missing, cut short, with a binary port, or
unreadable."""

from __future__ import annotations

from typing import Any

from phonesim.codec.hex_text import dhcputil_hex
from phonesim.codec.ms_uc_client_option import encode_ms_uc_client_option
from phonesim.core import trace_schema as ts
from phonesim.diagnosis.boot_record import BootRecord, Step
from phonesim.diagnosis.declared_fields import fields_of
from phonesim.diagnosis.finding import Finding
from phonesim.diagnosis.phone_screen import LOCATING_FAILED
from phonesim.diagnosis.rules.evidence import (
    TEXTS,
    URL_FAILURES,
    at,
    failed_url,
    outcome,
    severity,
)

MISSING = TEXTS["option43.missing"]
TRUNCATED = TEXTS["option43.truncated"]
PORT_NOT_TEXT = TEXTS["option43.port_not_text"]
UNREADABLE = TEXTS["option43.unreadable"]

CISCO_OPTION_43_BYTES = 90
"""Cisco IOS keeps 180 hex characters of `option 43 hex` (protocol.md §2)."""


def _option_43(record: BootRecord) -> tuple[Step, dict[str, Any]] | None:
    answer = record.chosen_answer
    if answer is None:
        return None
    described = fields_of(ts.DHCP_ANSWER, answer).get("option_43")
    return (answer, described) if isinstance(described, dict) else None


def option43_missing(record: BootRecord) -> Finding | None:
    answer = record.chosen_answer
    if answer is None:
        return None
    fields = fields_of(ts.DHCP_ANSWER, answer)
    if fields.get("option_43") is not None or fields.get("option_43_error"):
        return None
    explains = record.ended_with(*URL_FAILURES)
    decided = record.decided
    guessed = fields_of(ts.DISCOVERY_DECIDED, decided).get("web_url") if decided else None
    return MISSING.finding(
        severity=severity(explains),
        evidence={
            "dhcp_server": fields.get("server"),
            "guessed_url": guessed,
            "failed_step": record.reason if explains else None,
            "failed_url": failed_url(record) if explains else None,
            **at(answer),
        },
        phone_screen=LOCATING_FAILED if explains else None,
        priority=20,
        dhcp_server=fields.get("server"),
        guessed_url=guessed,
        outcome=outcome(explains),
    )


def option43_truncated(record: BootRecord) -> Finding | None:
    found = _option_43(record)
    if found is None or not found[1].get("truncated"):
        return None
    answer, option = found
    cut = option["truncated"]
    length = int(option.get("length") or 0)
    explains = record.ended_with(*URL_FAILURES)
    fqdn = option.get("web_server_fqdn")
    evidence: dict[str, Any] = {
        "dhcp_server": fields_of(ts.DHCP_ANSWER, answer).get("server"),
        "option_43_bytes": length,
        "option_43_hex_characters": 2 * length,
        "sub_option": cut.get("code"),
        "declared_length": cut.get("declared_length"),
        "present_length": cut.get("present_length"),
        "path_received": cut.get("partial_value") if cut.get("code") == 5 else None,
        "failed_step": record.reason if explains else None,
        "failed_url": failed_url(record) if explains else None,
        **at(answer),
    }
    whole = encode_ms_uc_client_option(web_server_fqdn=fqdn) if fqdn else None
    if whole is not None:
        evidence["full_value_hex_characters"] = 2 * len(whole)
    limit = "cisco" if length == CISCO_OPTION_43_BYTES else "other"
    return TRUNCATED.finding(
        severity=severity(explains),
        evidence=evidence,
        phone_screen=LOCATING_FAILED if explains else None,
        priority=10,
        sub_option=cut.get("code"),
        declared_length=cut.get("declared_length"),
        present_length=cut.get("present_length"),
        option_43_bytes=length,
        cisco_cut=limit,
        cisco_fix=limit,
        whole_value_fix="unknown" if whole is None else "known",
        fqdn=fqdn,
        whole_bytes=None if whole is None else len(whole),
        whole_hex_characters=None if whole is None else 2 * len(whole),
        whole_hex=None if whole is None else dhcputil_hex(whole),
    )


def option43_port_not_text(record: BootRecord) -> Finding | None:
    found = _option_43(record)
    if found is None or found[1].get("port_as_integer") is None:
        return None
    answer, option = found
    port = option["port_as_integer"]
    explains = record.ended_with(*URL_FAILURES)
    return PORT_NOT_TEXT.finding(
        severity=severity(explains),
        evidence={
            "dhcp_server": fields_of(ts.DHCP_ANSWER, answer).get("server"),
            "port_as_integer": port,
            "sub_option_order": option.get("order"),
            "failed_step": record.reason if explains else None,
            "failed_url": failed_url(record) if explains else None,
            **at(answer),
        },
        phone_screen=LOCATING_FAILED if explains else None,
        priority=10,
        port_as_integer=port,
        port_bytes=2 if port > 255 else 1,
    )


def option43_unreadable(record: BootRecord) -> Finding | None:
    answer = record.chosen_answer
    if answer is None:
        return None
    fields = fields_of(ts.DHCP_ANSWER, answer)
    if not fields.get("option_43_error"):
        return None
    explains = record.ended_with(*URL_FAILURES)
    return UNREADABLE.finding(
        severity=severity(explains),
        evidence={
            "dhcp_server": fields.get("server"),
            "error": fields["option_43_error"],
            **at(answer),
        },
        phone_screen=LOCATING_FAILED if explains else None,
        priority=10,
        error=fields["option_43_error"],
    )


RULES = (option43_missing, option43_truncated, option43_port_not_text, option43_unreadable)
