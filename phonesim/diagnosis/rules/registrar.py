"""Registrar rules: no registrar answered, or the first one did not."""

from __future__ import annotations

from phonesim.core import failure_reasons as reasons
from phonesim.core import trace_schema as ts
from phonesim.core.stage import Stage
from phonesim.diagnosis.boot_record import BootRecord, Step
from phonesim.diagnosis.declared_fields import declared_field, fields_of
from phonesim.diagnosis.finding import Finding
from phonesim.diagnosis.phone_screen import screen_for
from phonesim.diagnosis.rules.evidence import TEXTS, at

UNREACHABLE = TEXTS["registrar.unreachable"]
POOL_SUFFIX_MISMATCH = TEXTS["registrar.pool_suffix_mismatch"]
FIRST_UNREACHABLE = TEXTS["registrar.first_unreachable"]
ADDRESS_UNREACHABLE = TEXTS["registrar.address_unreachable"]
_REGISTRAR = declared_field(ts.REGISTRAR_CHALLENGE_REACHED, "registrar")


def _failed_attempts(record: BootRecord) -> list[Step]:
    """Each registrar tried that failed (not the boot's own end, which shares the name)."""
    attempt = ts.REGISTRAR_ATTEMPT_FAILED
    return [step for step in record.all(attempt) if step.level in attempt.levels]


def registrar_unreachable(record: BootRecord) -> Finding | None:
    failure = record.failure
    if failure is None or not record.ended_with(reasons.REGISTRAR_UNREACHABLE):
        return None
    attempts = []
    for step in _failed_attempts(record):
        attempt = fields_of(ts.REGISTRAR_ATTEMPT_FAILED, step)
        attempts.append(
            {
                "registrar": attempt.get("registrar"),
                "address": attempt.get("address"),
                "error": attempt.get("detail"),
            }
        )
    tried = fields_of(ts.failed(Stage.REGISTRAR), failure).get("tried")
    return UNREACHABLE.finding(
        severity="error",
        evidence={"tried": tried, "attempts": attempts, **at(failure)},
        phone_screen=screen_for(Stage.REGISTRAR),
        priority=30,
    )


def registrar_first_unreachable(record: BootRecord) -> Finding | None:
    reached = record.reached_registrar
    failed = _failed_attempts(record)
    if reached is None or not failed:
        return None
    first = fields_of(ts.REGISTRAR_ATTEMPT_FAILED, failed[0])
    # A legacy `registrar.signed_in` carries the registrar as the challenge's end does.
    challenged_at = reached.fields.get(_REGISTRAR)
    if first.get("registrar") == challenged_at:
        # DNS load balancing: the same pool at its next A record (gg398713), not a spare.
        return ADDRESS_UNREACHABLE.finding(
            severity="warning",
            evidence={
                "registrar": challenged_at,
                "address": first.get("address"),
                "error": first.get("detail"),
                **at(failed[0]),
            },
            priority=60,
            registrar=challenged_at,
            address=first.get("address"),
            error=first.get("detail"),
        )
    return FIRST_UNREACHABLE.finding(
        severity="warning",
        evidence={
            "registrar": first.get("registrar"),
            "error": first.get("detail"),
            "challenged_at": challenged_at,
            **at(failed[0]),
        },
        priority=60,
        registrar=first.get("registrar"),
        challenged_at=challenged_at,
        failed_registrars=len(failed),
        error=first.get("detail"),
    )


def registrar_pool_suffix_mismatch(record: BootRecord) -> Finding | None:
    """Option 120 named only pools outside the user's SIP domain (seed 002)."""
    failure = record.failure
    if failure is None or not record.ended_with(reasons.REGISTRAR_POOL_SUFFIX_MISMATCH):
        return None
    failed = fields_of(ts.failed(Stage.REGISTRAR), failure)
    tried = failed.get("tried") or []
    return POOL_SUFFIX_MISMATCH.finding(
        severity="error",
        evidence={
            "registrars": tried,
            "sip_uri": failed.get("sip_uri"),
            "sip_domain": failed.get("sip_domain"),
            **at(failure),
        },
        phone_screen=screen_for(Stage.REGISTRAR),
        priority=30,
        registrars=", ".join(str(r) for r in tried),
        sip_uri=failed.get("sip_uri"),
        sip_domain=failed.get("sip_domain"),
    )


RULES = (registrar_unreachable, registrar_pool_suffix_mismatch, registrar_first_unreachable)
