"""Root chain and web service rules: the chain refused or unreachable, the
CertProvisioningService not found, a server certificate the phone does not trust, the Web
Ticket service refusing the number and PIN."""

from __future__ import annotations

from phonesim.core import failure_reasons as reasons
from phonesim.core import trace_schema as ts
from phonesim.core.stage import Stage
from phonesim.diagnosis.boot_record import BootRecord, Step
from phonesim.diagnosis.declared_fields import fields_of
from phonesim.diagnosis.finding import Finding
from phonesim.diagnosis.phone_screen import screen_for
from phonesim.diagnosis.rules.evidence import TEXTS, at

ROOTCHAIN_REFUSED = TEXTS["rootchain.refused"]
ROOTCHAIN_UNAVAILABLE = TEXTS["rootchain.unavailable"]
CERTPROV_NOT_FOUND = TEXTS["certprov.not_found"]
TLS_NAME_MISMATCH = TEXTS["tls.name_mismatch"]
TLS_UNTRUSTED = TEXTS["tls.untrusted_server_certificate"]
TLS_NOT_FROM_SUPPLIED_CA = TEXTS["tls.not_issued_by_supplied_ca"]
ENDPOINT_NOT_TLS = TEXTS["web.endpoint_not_tls"]
NOT_TLS_REASONS = (reasons.CERTPROV_ENDPOINT_NOT_TLS, reasons.WEBTICKET_PIN_ENDPOINT_NOT_TLS)
WEB_TICKET_REFUSALS = {
    reason: TEXTS[reason.name]
    for reason in (
        reasons.WEBTICKET_PIN_REJECTED,
        reasons.WEBTICKET_PIN_LOCKED,
        reasons.WEBTICKET_NOT_SIP_ENABLED,
        reasons.WEBTICKET_USER_UNKNOWN,
    )
}
"""A refusal's finding is named as the reason the boot ended with."""

UNAVAILABLE_KINDS = ("http_status", "connect", "timeout")
"""How a root chain download fails for want of the service (not a TLS or content problem)."""
REFUSED_STATUSES = (401, 403)
NOT_FOUND = 404
TLS = "tls"
NAME_MISMATCH_WORDS = ("hostname mismatch", "ip address mismatch")
"""How OpenSSL says a certificate does not carry the name the phone used ("Hostname
mismatch, certificate is not valid for 'x'.", in any case)."""
FROM_THE_CACHE = "the discovery cache"
"""Where a URL came from when no discovery decided it this boot."""


def _web_failure(record: BootRecord, stage: Stage) -> Step | None:
    failure = record.failure
    if failure is None or failure.stage != stage:
        return None
    return failure


def rootchain_unavailable(record: BootRecord) -> Finding | None:
    failure = _web_failure(record, Stage.ROOTCHAIN)
    if failure is None:
        return None
    failed = fields_of(ts.failed(Stage.ROOTCHAIN), failure)
    if failed.get("kind") not in UNAVAILABLE_KINDS:
        return None
    status = failed.get("http_status")
    text = ROOTCHAIN_REFUSED if status in REFUSED_STATUSES else ROOTCHAIN_UNAVAILABLE
    return text.finding(
        severity="error",
        evidence={
            "url": failed.get("url"),
            "http_status": status,
            "detail": failed.get("detail"),
            **at(failure),
        },
        phone_screen=screen_for(Stage.ROOTCHAIN),
        priority=40,
        symptom=True,
        url=failed.get("url"),
        answer="status" if status else "detail",
        http_status=status,
        detail=failed.get("detail"),
    )


def certprov_not_found(record: BootRecord) -> Finding | None:
    failure = _web_failure(record, Stage.CERTPROV)
    if failure is None:
        return None
    failed = fields_of(ts.failed(Stage.CERTPROV), failure)
    if failed.get("http_status") != NOT_FOUND:
        return None
    url = failed.get("url")
    decided = record.decided
    source = (
        fields_of(ts.DISCOVERY_DECIDED, decided).get("web_source")
        if decided is not None
        else FROM_THE_CACHE
    )
    return CERTPROV_NOT_FOUND.finding(
        severity="error",
        evidence={"url": url, "http_status": NOT_FOUND, "url_source": source, **at(failure)},
        phone_screen=screen_for(Stage.CERTPROV),
        priority=40,
        symptom=True,
        url=url,
        url_source=source,
    )


def tls_server_certificate(record: BootRecord) -> Finding | None:
    failure = record.failure
    failed = record.failure_fields
    if failure is None or failed is None or failed.get("kind") != TLS:
        return None
    detail = str(failed.get("detail") or "")
    presented = failed.get("server_certificate") or {}
    roots = []
    received = record.last(ts.ROOTCHAIN_RECEIVED)
    if received is not None:
        certificates = fields_of(ts.ROOTCHAIN_RECEIVED, received).get("certificates")
        roots = [c.get("subject") for c in certificates or []]
    supplied = record.last(ts.ROOTCHAIN_SUPPLIED)
    trust_ca = None
    if supplied is not None:
        given = fields_of(ts.ROOTCHAIN_SUPPLIED, supplied)
        trust_ca = given.get("source")
        roots = [c.get("subject") for c in given.get("certificates") or []]
    url = failed.get("url")
    evidence = {
        "url": url,
        "detail": detail,
        "subject": presented.get("subject"),
        "issuer": presented.get("issuer"),
        "trusted_roots": roots,
        **at(failure),
    }
    if any(words in detail.lower() for words in NAME_MISMATCH_WORDS):
        return TLS_NAME_MISMATCH.finding(
            severity="error",
            evidence=evidence,
            phone_screen=screen_for(failure.stage),
            priority=20,
            url=url,
            detail=detail,
        )
    trusted = ", ".join(str(r) for r in roots)
    if trust_ca is not None:
        return TLS_NOT_FROM_SUPPLIED_CA.finding(
            severity="error",
            evidence={**evidence, "trust_ca": trust_ca},
            phone_screen=screen_for(failure.stage),
            priority=20,
            url=url,
            detail=detail,
            subject=presented.get("subject"),
            issuer=presented.get("issuer"),
            trust_ca=trust_ca,
            trusted_root_names=trusted,
        )
    return TLS_UNTRUSTED.finding(
        severity="error",
        evidence=evidence,
        phone_screen=screen_for(failure.stage),
        priority=20,
        url=url,
        detail=detail,
        subject=presented.get("subject"),
        issuer=presented.get("issuer"),
        trusted="listed" if trusted else "none",
        trusted_root_names=trusted,
    )


def webticket_refused(record: BootRecord) -> Finding | None:
    reason = record.ending
    failure = record.failure
    if reason not in WEB_TICKET_REFUSALS or failure is None:
        return None
    failed = fields_of(ts.failed(Stage.WEBTICKET), failure)
    request = record.last(ts.WEBTICKET_REQUEST)
    sign_in_as = fields_of(ts.WEBTICKET_REQUEST, request).get("username") if request else None
    return WEB_TICKET_REFUSALS[reason].finding(
        severity="error",
        evidence={
            "sign_in_as": sign_in_as,
            "error_id": failed.get("error_id"),
            "server_reason": failed.get("server_reason"),
            "address": failed.get("address"),
            **at(failure),
        },
        phone_screen=screen_for(Stage.WEBTICKET),
        priority=5,
        address=failed.get("address"),
        error_id=failed.get("error_id"),
        server_reason=failed.get("server_reason"),
        who="named" if request else "unknown",
        sign_in_as=sign_in_as,
    )


def endpoint_not_tls(record: BootRecord) -> Finding | None:
    failure = record.failure
    reason = next((r for r in NOT_TLS_REASONS if record.ended_with(r)), None)
    if reason is None or failure is None:
        return None
    failed = fields_of(ts.failed(reason.stage), failure)
    return ENDPOINT_NOT_TLS.finding(
        severity="error",
        evidence={"url": failed.get("url"), "address": failed.get("address"), **at(failure)},
        phone_screen=screen_for(reason.stage),
        priority=10,
        url=failed.get("url"),
        address=failed.get("address"),
        secret="certprov" if reason.stage is Stage.CERTPROV else "webticket",
    )


RULES = (
    rootchain_unavailable,
    certprov_not_found,
    tls_server_certificate,
    endpoint_not_tls,
    webticket_refused,
)
