"""Rules for a phone held registered: what the registrar did to it after the sign-in."""

from __future__ import annotations

from phonesim.core import trace_schema as ts
from phonesim.core.stage import Stage
from phonesim.core.tls_dsk.session import REGISTRAR_FORGOT
from phonesim.diagnosis.boot_record import BootRecord
from phonesim.diagnosis.declared_fields import fields_of
from phonesim.diagnosis.finding import Finding
from phonesim.diagnosis.rules.evidence import TEXTS, at, outcome, severity

ASSOCIATION_ENDED_EARLY = TEXTS["held.association_ended_early"]


def association_ended_early(record: BootRecord) -> Finding | None:
    """Refreshes answered 401: the registrar ended security associations the phone still
    counted on. The phone handshakes again, so it is a warning unless the hold then failed."""
    forced = [
        step
        for step in record.all(ts.HELD_REHANDSHAKED)
        if fields_of(ts.HELD_REHANDSHAKED, step).get("cause") == REGISTRAR_FORGOT
    ]
    if not forced:
        return None
    failure = record.failure
    explains = failure is not None and failure.stage == Stage.HELD
    first = fields_of(ts.HELD_REHANDSHAKED, forced[0])
    registrar = first.get("registrar")
    return ASSOCIATION_ENDED_EARLY.finding(
        severity=severity(explains),
        evidence={"forced": len(forced), "registrar": registrar, **at(forced[0])},
        priority=70,
        outcome=outcome(explains),
        forced=len(forced),
        registrar=registrar,
    )


RULES = (association_ended_early,)
