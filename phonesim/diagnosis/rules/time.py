"""Time rules: a phone clock so wrong that the pool's certificates look invalid."""

from __future__ import annotations

from typing import Any

from phonesim.core import failure_reasons as reasons
from phonesim.core import trace_schema as ts
from phonesim.core.stage import Stage
from phonesim.diagnosis.boot_record import BootRecord
from phonesim.diagnosis.declared_fields import fields_of
from phonesim.diagnosis.finding import Finding
from phonesim.diagnosis.phone_screen import screen_for
from phonesim.diagnosis.rules.evidence import TEXTS, at

PHONE_CLOCK_WRONG = TEXTS["time.phone_clock_wrong"]
SUPPLIED_CA_NOT_VALID = TEXTS["time.supplied_ca_not_valid"]

DAY = 86400


def time_phone_clock_wrong(record: BootRecord) -> Finding | None:
    failure = record.failure
    if failure is None or not record.ended_with(reasons.ROOTCHAIN_NOT_VALID_ON_PHONE_CLOCK):
        return None
    failed = fields_of(ts.failed(Stage.ROOTCHAIN), failure)
    synced_step = record.last(ts.TIME_SYNCHRONIZED)
    synced = fields_of(ts.TIME_SYNCHRONIZED, synced_step) if synced_step else None
    offset = float(synced.get("offset", 0.0)) if synced is not None else None
    evidence: dict[str, Any] = {
        "phone_time": failed.get("phone_time"),
        "certificate": failed.get("subject"),
        "not_before": failed.get("not_before"),
        "not_after": failed.get("not_after"),
        **at(failure),
    }
    if synced is not None and offset is not None:
        evidence["time_server"] = synced.get("server")
        evidence["clock_offset_seconds"] = offset
        evidence["clock_offset_days"] = round(offset / DAY)
    clock = "set" if synced is not None and offset is not None else "kept"
    trust_ca = failed.get("trust_ca")
    if trust_ca is not None:
        # The certificate came from a file, not the pool: the file is as likely at fault
        # as the clock, and the finding says both.
        return SUPPLIED_CA_NOT_VALID.finding(
            severity="error",
            evidence={**evidence, "trust_ca": trust_ca},
            phone_screen=screen_for(Stage.ROOTCHAIN),
            priority=5,
            trust_ca=trust_ca,
            clock=clock,
            fix=clock,
            time_server=None if synced is None else synced.get("server"),
            offset_days=None if offset is None else abs(offset) / DAY,
            direction="back" if offset is not None and offset < 0 else "forward",
            phone_time=failed.get("phone_time"),
            certificate=failed.get("subject"),
            not_before=failed.get("not_before"),
            not_after=failed.get("not_after"),
        )
    return PHONE_CLOCK_WRONG.finding(
        severity="error",
        evidence=evidence,
        phone_screen=screen_for(Stage.ROOTCHAIN),
        priority=5,
        clock=clock,
        fix=clock,
        time_server=None if synced is None else synced.get("server"),
        offset_days=None if offset is None else abs(offset) / DAY,
        direction="back" if offset is not None and offset < 0 else "forward",
        phone_time=failed.get("phone_time"),
        certificate=failed.get("subject"),
        not_before=failed.get("not_before"),
        not_after=failed.get("not_after"),
    )


RULES = (time_phone_clock_wrong,)
