"""Time rules: a phone clock so wrong that the pool's certificates look invalid, or wrong
enough that the pool refuses the timestamp of its certificate request.

The second is told from the refusal (`certprov.invalid_security`) with the two clocks the
phone recorded beside it: its own, as its request said it, and the pool's, from the `Date`
header of the answer. The pool's allowed skew is not on the wire: the rule assumes WCF's
default, 5 minutes, and stays silent when the clocks are closer than that (the refusal
then has another cause). The registrar's TLS-DSK handshake carries no phone time, so a
skewed clock is never the registrar's ms-diagnostics 1013 in phonesim.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from phonesim.core import failure_reasons as reasons
from phonesim.core import trace_schema as ts
from phonesim.core.stage import Stage
from phonesim.diagnosis.boot_record import BootRecord
from phonesim.diagnosis.declared_fields import DeclaredFields, fields_of
from phonesim.diagnosis.finding import Finding
from phonesim.diagnosis.phone_screen import screen_for
from phonesim.diagnosis.rules.evidence import TEXTS, at

PHONE_CLOCK_WRONG = TEXTS["time.phone_clock_wrong"]
SUPPLIED_CA_NOT_VALID = TEXTS["time.supplied_ca_not_valid"]

DAY = 86400
MINUTE = 60
WCF_MAX_CLOCK_SKEW = 300
"""Seconds; WCF's default MaxClockSkew (`codec.ocauthws.security` cites it)."""
PHONE_CLOCK_SKEWED = TEXTS["time.phone_clock_skewed"]
NTP_UNREACHABLE = TEXTS["time.ntp_unreachable"]


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
    outside = _days_outside(failed)
    if outside is not None:
        evidence["days_outside_validity"] = outside
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
            **_clock_values(failed, synced, offset),
        )
    if synced is None:
        # No time server at all: the phone kept the clock it powered on with, which is no
        # real time (the device "requires NTP", UP-c8af0c49).
        unsynchronized = record.last(ts.TIME_UNSYNCHRONIZED)
        kept = fields_of(ts.TIME_UNSYNCHRONIZED, unsynchronized) if unsynchronized else None
        return NTP_UNREACHABLE.finding(
            severity="error",
            evidence={**evidence, "time_servers_asked": _asked(record)},
            phone_screen=screen_for(Stage.ROOTCHAIN),
            priority=5,
            power_on_clock=None if kept is None else kept.get("clock"),
            asked=", ".join(_asked(record))
            or "none could be found: no DHCP time option, no _ntp._udp record, and the "
            "fallback host did not resolve",
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
        **_clock_values(failed, synced, offset),
    )


def _clock_values(
    failed: DeclaredFields, synced: DeclaredFields | None, offset: float | None
) -> dict[str, Any]:
    """What both texts of a root chain invalid on the phone's clock say of that clock."""
    clock = "set" if synced is not None and offset is not None else "kept"
    return {
        "clock": clock,
        "fix": clock,
        "time_server": None if synced is None else synced.get("server"),
        "offset_text": None if synced is None or offset is None else _set_to(synced, offset),
        "phone_time": failed.get("phone_time"),
        "certificate": failed.get("subject"),
        "not_before": failed.get("not_before"),
        "not_after": failed.get("not_after"),
    }


def time_phone_clock_skewed(record: BootRecord) -> Finding | None:
    failure = record.failure
    if failure is None or not record.ended_with(reasons.CERTPROV_INVALID_SECURITY):
        return None
    failed = fields_of(ts.failed(Stage.CERTPROV), failure)
    phone_time, pool_time = failed.get("phone_time"), failed.get("pool_time")
    if phone_time is None or pool_time is None:
        return None
    skew = round(
        (datetime.fromisoformat(phone_time) - datetime.fromisoformat(pool_time)).total_seconds()
    )
    if abs(skew) <= WCF_MAX_CLOCK_SKEW:
        return None
    synced_step = record.last(ts.TIME_SYNCHRONIZED)
    synced = fields_of(ts.TIME_SYNCHRONIZED, synced_step) if synced_step else None
    evidence: dict[str, Any] = {
        "phone_time": phone_time,
        "pool_time": pool_time,
        "skew_seconds": skew,
        "allowed_skew_seconds": WCF_MAX_CLOCK_SKEW,
        "url": failed.get("url"),
        "fault": failed.get("detail"),
        **at(failure),
    }
    if synced is not None:
        evidence |= {
            "time_server": synced.get("server"),
            "time_source": _time_source(record, str(synced.get("server"))),
            "clock_offset_seconds": float(synced.get("offset", 0.0)),
        }
    clock = "set" if synced is not None else "kept"
    return PHONE_CLOCK_SKEWED.finding(
        severity="error",
        evidence=evidence,
        phone_screen=screen_for(Stage.CERTPROV),
        priority=5,
        clock=clock,
        fix=clock,
        time_server=evidence.get("time_server"),
        time_source=evidence.get("time_source"),
        offset_text=None if synced is None else _set_to(synced, evidence["clock_offset_seconds"]),
        skew_minutes=abs(skew) / MINUTE,
        skew_seconds=abs(skew),
        direction="ahead" if skew > 0 else "behind",
        phone_time=phone_time,
        pool_time=pool_time,
        allowed_skew_seconds=WCF_MAX_CLOCK_SKEW,
        allowed_skew_minutes=WCF_MAX_CLOCK_SKEW / MINUTE,
        detail=failed.get("detail"),
    )


def _time_source(record: BootRecord, server: str) -> str:
    """Where the phone found the time server that set its clock."""
    answer = record.chosen_answer
    fields = fields_of(ts.DHCP_ANSWER, answer) if answer else None
    for code in (42, 4):
        listed = fields.get(f"option_{code}") if fields is not None else None
        if listed and server in listed:
            return f"DHCP option {code}"
    for step in record.all(ts.DNS_ANSWER):
        dns_fields = fields_of(ts.DNS_ANSWER, step)
        name = str(dns_fields.get("name", ""))
        if name.startswith("_ntp._udp.") and any(
            str(r).rstrip(".").endswith(f" {server}") for r in dns_fields.get("records") or ()
        ):
            return f"the {name} SRV record"
    return "the profile's fallback time server"


def _set_to(synced: DeclaredFields, offset: float) -> str:
    """Where the time server set the phone's clock, in words: the time it set (a trace that
    records it), else how far it moved a clock that was the machine's."""
    clock = synced.get("clock")
    return f"to {clock}" if clock else _moved(offset)


def _moved(offset: float) -> str:
    """How far the time server moved the phone's clock, in words."""
    way = "back" if offset < 0 else "forward"
    size = abs(offset)
    if size < 2 * 3600:
        return f"{size / MINUTE:.0f} minutes {way}"
    if size < 2 * DAY:
        return f"{size / 3600:.1f} hours {way}"
    return f"{size / DAY:.1f} days {way}"


def _days_outside(failed: DeclaredFields) -> int | None:
    """Days the phone's clock lies before the certificate's start (negative) or after its
    end: how wrong the clock is, whatever clock it powered on with."""
    phone_time, not_before, not_after = (
        failed.get(name) for name in ("phone_time", "not_before", "not_after")
    )
    if phone_time is None or not_before is None or not_after is None:
        return None
    phone = datetime.fromisoformat(str(phone_time))
    start, end = datetime.fromisoformat(str(not_before)), datetime.fromisoformat(str(not_after))
    if phone < start:
        return -round((start - phone).total_seconds() / DAY)
    if phone > end:
        return round((phone - end).total_seconds() / DAY)
    return 0


def _asked(record: BootRecord) -> list[str]:
    """The time servers the phone asked, in order."""
    return [str(fields_of(ts.TIME_QUERY, step).get("server")) for step in record.all(ts.TIME_QUERY)]


RULES = (time_phone_clock_wrong, time_phone_clock_skewed)
