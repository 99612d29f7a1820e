"""Sign-in rules: what a pool answers once the phone has its certificate — a Director's
redirect, a registrar that is busy, a signature that does not hold, a user the registrar
refuses, a certificate the pool does not trust."""

from __future__ import annotations

from typing import Any

from phonesim.core import failure_reasons as reasons
from phonesim.core import trace_schema as ts
from phonesim.core.stage import Stage
from phonesim.diagnosis.boot_record import BootRecord
from phonesim.diagnosis.declared_fields import fields_of
from phonesim.diagnosis.finding import Finding
from phonesim.diagnosis.phone_screen import screen_for
from phonesim.diagnosis.rules.evidence import TEXTS, at, outcome, severity

BUSY = TEXTS["registrar.busy"]
DIRECTOR_REDIRECT = TEXTS["tlsdsk.director_redirect"]
REDIRECT_LOOP = TEXTS["tlsdsk.redirect_loop"]
BAD_SERVER_SIGNATURE = TEXTS["tlsdsk.bad_server_signature"]
USER_NOT_ENABLED = TEXTS["tlsdsk.user_not_enabled_for_registrar"]
CLIENT_CERTIFICATE_UNTRUSTED = TEXTS["tlsdsk.client_certificate_untrusted"]

USER_REFUSALS = frozenset({1003, 4005, 4006})
"""[OCER] ids a registrar gives for a user it does not serve (§3.6): user does not exist,
not enabled for SIP, not found in pool."""
CERTIFICATE_ALERTS = frozenset({"unknown ca", "bad certificate", "certificate unknown"})
"""TLS alerts with which a server refuses the client's certificate."""
CERTIFICATE_TRUST = 1010
"""[OCER]: "Certificate trust with next-hop server could not be established." """
UNSIGNED = (reasons.TLSDSK_BAD_SERVER_SIGNATURE, reasons.TLSDSK_UNSIGNED_ANSWER)
LOOPS = (reasons.TLSDSK_REDIRECT_LOOP, reasons.TLSDSK_TOO_MANY_REDIRECTS)


def registrar_busy(record: BootRecord) -> Finding | None:
    """A 503: an error when it ended the boot, a warning when the next registrar took it."""
    failure = record.failure
    explains = failure is not None and record.ended_with(reasons.REGISTRAR_BUSY)
    busy = [
        step
        for step in record.all(ts.REGISTRAR_ANSWER)
        if fields_of(ts.REGISTRAR_ANSWER, step).get("status") == 503
    ]
    if not busy or (failure is not None and not explains):
        return None
    answer = fields_of(ts.REGISTRAR_ANSWER, busy[-1])
    evidence: dict[str, Any] = {
        "registrar": answer.get("registrar"),
        "status": 503,
        "retry_after": answer.get("retry_after"),
        "error_id": answer.get("error_id"),
        "server_reason": answer.get("server_reason"),
        **at(busy[-1]),
    }
    if failure is not None:
        evidence["tried"] = fields_of(ts.failed(Stage.REGISTRAR), failure).get("tried")
    return BUSY.finding(
        severity=severity(explains),
        evidence=evidence,
        phone_screen=screen_for(Stage.REGISTRAR) if explains else None,
        priority=25,
        outcome=outcome(explains),
        registrar=evidence["registrar"],
        status=503,
        retry_after=evidence["retry_after"],
        error_id=evidence["error_id"],
        server_reason=evidence["server_reason"],
    )


def director_redirect(record: BootRecord) -> Finding | None:
    """Came through a Director: worth knowing, not a fault (unless it looped)."""
    redirects = record.all(ts.TLSDSK_REDIRECTED)
    if not redirects or record.ended_with(*LOOPS):
        return None
    first = fields_of(ts.TLSDSK_REDIRECTED, redirects[0])
    last = fields_of(ts.TLSDSK_REDIRECTED, redirects[-1])
    chain = [first.get("registrar")] + [
        fields_of(ts.TLSDSK_REDIRECTED, step).get("to") for step in redirects
    ]
    return DIRECTOR_REDIRECT.finding(
        severity="info",
        evidence={
            "director": first.get("registrar"),
            "home_pool": last.get("to"),
            "chain": chain,
            **at(redirects[0]),
        },
        priority=80,
        director=first.get("registrar"),
        home_pool=last.get("to"),
    )


def redirect_loop(record: BootRecord) -> Finding | None:
    failure = record.failure
    if failure is None or not record.ended_with(*LOOPS):
        return None
    failed = fields_of(ts.failed(Stage.TLSDSK), failure)
    chain = list(failed.get("chain") or [])
    return REDIRECT_LOOP.finding(
        severity="error",
        evidence={"chain": chain, "registrar": failed.get("registrar"), **at(failure)},
        phone_screen=screen_for(Stage.TLSDSK),
        priority=20,
        chain_text=" -> ".join(str(hop) for hop in chain),
        max_redirects=failed.get("max_redirects") or "its limit of",
    )


def bad_server_signature(record: BootRecord) -> Finding | None:
    failure = record.failure
    if failure is None or not record.ended_with(*UNSIGNED):
        return None
    failed = fields_of(ts.failed(Stage.TLSDSK), failure)
    status = failed.get("status")
    snum = f" (snum {failed['snum']})" if failed.get("snum") else ""
    checked = (
        f"the rspauth of the {status}'s TLS-DSK Authentication-Info{snum}, against the HMAC "
        "of the answer's signed fields under the server key of the handshake just made"
    )
    found = _SIGNATURE_FOUND.get(failed.get("check") or "")
    if found is None:
        found = (
            "no TLS-DSK Authentication-Info: the answer was not signed"
            if record.ended_with(reasons.TLSDSK_UNSIGNED_ANSWER)
            else str(failed.get("message") or "a signature that does not verify")
        )
    evidence = {
        "registrar": failed.get("registrar"),
        "status": status,
        "checked": checked,
        "found": found,
        **at(failure),
    }
    return BAD_SERVER_SIGNATURE.finding(
        severity="error",
        evidence=evidence,
        phone_screen=screen_for(Stage.TLSDSK),
        priority=20,
        registrar=failed.get("registrar"),
        status=status,
        found=found,
    )


_SIGNATURE_FOUND = {
    "wrong": "a well-formed signature that is not the answer's HMAC under the handshake's "
    "server key: the answer was signed with other keys, or changed after it was signed",
    "malformed": "no signature at all: rspauth is not hex as long as the HMAC, so no key "
    "could have made it",
}
"""What a failed check of the registrar's signature found, by the check's result."""


def user_not_enabled(record: BootRecord) -> Finding | None:
    failure = record.failure
    if failure is None or not record.ended_with(reasons.TLSDSK_REFUSED):
        return None
    failed = fields_of(ts.failed(Stage.TLSDSK), failure)
    if failed.get("error_id") not in USER_REFUSALS:
        return None
    ticket = record.last(ts.WEBTICKET_ISSUED)
    evidence = {
        "registrar": failed.get("registrar"),
        "status": failed.get("status"),
        "error_id": failed.get("error_id"),
        "server_reason": failed.get("server_reason"),
        "sip_uri": None
        if ticket is None
        else fields_of(ts.WEBTICKET_ISSUED, ticket).get("sip_uri"),
        **at(failure),
    }
    return USER_NOT_ENABLED.finding(
        severity="error",
        evidence=evidence,
        phone_screen=screen_for(Stage.TLSDSK),
        priority=20,
        registrar=evidence["registrar"],
        status=evidence["status"],
        error_id=evidence["error_id"],
        server_reason=evidence["server_reason"],
    )


def client_certificate_untrusted(record: BootRecord) -> Finding | None:
    failure = record.failure
    if failure is None or not record.ended_with(reasons.TLSDSK_HANDSHAKE_REFUSED):
        return None
    failed = fields_of(ts.failed(Stage.TLSDSK), failure)
    alert = failed.get("alert")
    if alert not in CERTIFICATE_ALERTS and failed.get("error_id") != CERTIFICATE_TRUST:
        return None
    issued = record.last(ts.CERTPROV_ISSUED)
    issuer = None if issued is None else fields_of(ts.CERTPROV_ISSUED, issued).get("issuer")
    evidence = {
        "registrar": failed.get("registrar"),
        "alert": alert,
        "error_id": failed.get("error_id"),
        "server_reason": failed.get("server_reason"),
        "issuer": issuer,
        **at(failure),
    }
    return CLIENT_CERTIFICATE_UNTRUSTED.finding(
        severity="error",
        evidence=evidence,
        phone_screen=screen_for(Stage.TLSDSK),
        priority=20,
        registrar=evidence["registrar"],
        alert=alert,
        error_id=evidence["error_id"],
        server_reason=evidence["server_reason"],
        issuer=issuer,
    )


RULES = (
    registrar_busy,
    redirect_loop,
    bad_server_signature,
    user_not_enabled,
    client_certificate_untrusted,
    director_redirect,
)
