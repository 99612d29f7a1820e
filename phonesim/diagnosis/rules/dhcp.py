"""DHCP rules: no answer to the DHCPINFORM, a slow answer, a first answer without an FQDN."""

from __future__ import annotations

from phonesim.core import failure_reasons as reasons
from phonesim.core import trace_schema as ts
from phonesim.diagnosis.boot_record import BootRecord
from phonesim.diagnosis.declared_fields import fields_of
from phonesim.diagnosis.finding import Finding
from phonesim.diagnosis.phone_screen import LOCATING_FAILED
from phonesim.diagnosis.rules.evidence import TEXTS, URL_FAILURES, at, severity

NO_ANSWER = TEXTS["dhcp.no_answer"]
SLOW_ANSWER = TEXTS["dhcp.slow_answer"]
FIRST_ANSWER_WITHOUT_FQDN = TEXTS["dhcp.first_answer_without_fqdn"]

DHCP_ONLY_FAILURES = (
    reasons.REGISTRAR_NONE_FOUND,
    reasons.DISCOVERY_NO_SERVERS,
    reasons.DHCP_TIMEOUT,
)
"""Failures a missing DHCP answer explains even when the boot asked DHCP only (--stop-after
dhcp, a DHCP storm)."""


def dhcp_no_answer(record: BootRecord) -> Finding | None:
    gave_up = record.first(ts.DHCP_GAVE_UP)
    if gave_up is None or record.first(ts.DHCP_ANSWER) is not None:
        return None
    informs = record.all(ts.DHCP_INFORM_SENT)
    first = fields_of(ts.DHCP_INFORM_SENT, informs[0]) if informs else None
    explains = record.failure is not None and (
        record.ended_with(*URL_FAILURES) or record.ended_with(*DHCP_ONLY_FAILURES)
    )
    decided = record.decided
    return NO_ANSWER.finding(
        severity=severity(explains),
        evidence={
            "informs_sent": len(informs),
            "xid": first.get("xid") if first else None,
            "gave_up_after_seconds": gave_up.t,
            "web_url_used": fields_of(ts.DISCOVERY_DECIDED, decided).get("web_url")
            if decided
            else None,
        },
        phone_screen=LOCATING_FAILED if explains else None,
        priority=20,
        informs_sent=len(informs),
        vendor_class=first.get("vendor_class") if first else "MS-UC-Client",
        gave_up_after_seconds=gave_up.t,
    )


def dhcp_slow_answer(record: BootRecord) -> Finding | None:
    answer = record.first(ts.DHCP_ANSWER)
    informs = record.all(ts.DHCP_INFORM_SENT)
    if answer is None or not informs:
        return None
    sent_before = [inform for inform in informs if inform.t <= answer.t]
    if len(sent_before) < 2:
        return None
    wait = answer.t - informs[0].t
    return SLOW_ANSWER.finding(
        severity="warning",
        evidence={
            "answered_attempt": len(sent_before),
            "wait_seconds": round(wait, 3),
            "server": fields_of(ts.DHCP_ANSWER, answer).get("server"),
            **at(answer),
        },
        priority=80,
        answered_attempt=len(sent_before),
        wait=wait,
        retransmissions=len(sent_before) - 1,
    )


def dhcp_first_answer_without_fqdn(record: BootRecord) -> Finding | None:
    waiting = record.first(ts.DHCP_ANSWER_WITHOUT_FQDN)
    won = record.first(ts.DHCP_ANSWER_WON)
    if waiting is None or won is None:
        return None
    first_server = fields_of(ts.DHCP_ANSWER_WITHOUT_FQDN, waiting).get("server")
    winner = fields_of(ts.DHCP_ANSWER_WON, won).get("server")
    return FIRST_ANSWER_WITHOUT_FQDN.finding(
        severity="info",
        evidence={
            "first_server": first_server,
            "winner": winner,
            "waited_seconds": round(won.t - waiting.t, 3),
            **at(won),
        },
        priority=90,
        first_server=first_server,
        winner=winner,
    )


RULES = (dhcp_no_answer, dhcp_slow_answer, dhcp_first_answer_without_fqdn)
