"""Discovery cache rules: when the cache stood in for DHCP and DNS, and what a phone that
signed in before would do differently from the fresh phone this boot ran.

A cached phone does not ask DHCP or DNS, so a site whose DHCP is broken still
looks healthy to it; and a site whose options changed keeps its old phones on
the old servers. Both are worth saying whenever the cache played a part.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from phonesim.core import trace_schema as ts
from phonesim.core.stage import Stage
from phonesim.diagnosis.boot_record import BootRecord
from phonesim.diagnosis.declared_fields import DeclaredFields, fields_of, reads
from phonesim.diagnosis.finding import Finding
from phonesim.diagnosis.rules.evidence import TEXTS

CACHE_USED = TEXTS["discovery.cache_used"]
CACHE_DISCARDED = TEXTS["discovery.cache_discarded"]
CACHED_PHONES_UNAFFECTED = TEXTS["discovery.cached_phones_unaffected"]
CACHED_PHONES_DIFFER = TEXTS["discovery.cached_phones_differ"]

UNKNOWN_TIME = "at an unknown time"
DISCOVERY_STAGES = (Stage.DHCP, Stage.DISCOVERY)


def cache_used(record: BootRecord) -> Finding | None:
    used = record.first(ts.DISCOVERY_CACHE_USED)
    if used is None or record.first(ts.DISCOVERY_CACHE_DISCARDED) is not None:
        return None
    held = fields_of(ts.DISCOVERY_CACHE_USED, used)
    return CACHE_USED.finding(
        severity="info",
        evidence=_held(held) | {"t": used.t},
        priority=70,
        cache_source=held.get("source"),
        cached_at=_when(held.get("stored_at")),
    )


def cache_discarded(record: BootRecord) -> Finding | None:
    dropped_step = record.first(ts.DISCOVERY_CACHE_DISCARDED)
    used = record.first(ts.DISCOVERY_CACHE_USED)
    if dropped_step is None or used is None:
        return None
    dropped = fields_of(ts.DISCOVERY_CACHE_DISCARDED, dropped_step)
    decided_step = record.decided
    decided = fields_of(ts.DISCOVERY_DECIDED, decided_step) if decided_step else None
    return CACHE_DISCARDED.finding(
        severity="warning",
        evidence=_held(fields_of(ts.DISCOVERY_CACHE_USED, used))
        | {
            "cause": dropped.get("cause"),
            "fresh_web_url": None if decided is None else decided.get("web_url"),
            "fresh_registrars": None if decided is None else decided.get("registrars"),
            "t": dropped_step.t,
        },
        priority=65,
        failed_stage=dropped.get("failed_stage"),
        cause=dropped.get("cause"),
    )


def cache_differs(record: BootRecord) -> Finding | None:
    """The boot ran a fresh phone although the flash held servers: compare the two."""
    ignored = record.first(ts.DISCOVERY_CACHE_IGNORED)
    if ignored is None:
        return None
    held = fields_of(ts.DISCOVERY_CACHE_IGNORED, ignored)
    decided_step = record.decided
    decided = fields_of(ts.DISCOVERY_DECIDED, decided_step) if decided_step else None
    fresh_url = None if decided is None else decided.get("web_url")
    fresh_registrars = [] if decided is None else list(decided.get("registrars") or [])
    evidence = _held(held) | {
        "fresh_web_url": fresh_url,
        "fresh_registrars": fresh_registrars,
        "cache_not_used_because": held.get("why"),
    }
    cached_registrars = list(held.get("registrars") or [])
    failure = record.failure
    fresh_failed = failure is not None and failure.stage in DISCOVERY_STAGES
    if fresh_failed or fresh_url is None:
        return CACHED_PHONES_UNAFFECTED.finding(
            severity="info",
            evidence=evidence,
            priority=75,
            cached_web_url=held.get("web_url"),
            cached_registrars=_some(cached_registrars),
            cached_registrar_names=_names(cached_registrars),
            cached_at=_when(held.get("stored_at")),
        )
    same_url = _same(held.get("web_url"), fresh_url)
    same_registrars = {_key(r) for r in cached_registrars} == {_key(r) for r in fresh_registrars}
    if same_url and same_registrars:
        return None
    return CACHED_PHONES_DIFFER.finding(
        severity="info",
        evidence=evidence,
        priority=75,
        cached_web_url=held.get("web_url"),
        cached_registrars=_some(cached_registrars),
        cached_registrar_names=_names(cached_registrars),
        cached_at=_when(held.get("stored_at")),
        fresh_web_url=fresh_url,
        fresh_registrars=_some(fresh_registrars),
        fresh_registrar_names=_names(fresh_registrars),
    )


RULES = (cache_used, cache_discarded, cache_differs)


@reads(ts.DISCOVERY_CACHE_USED, ts.DISCOVERY_CACHE_IGNORED)
def _held(fields: DeclaredFields) -> dict[str, Any]:
    return {
        "cache_source": fields.get("source"),
        "cached_at": _when(fields.get("stored_at")),
        "cached_web_url": fields.get("web_url"),
        "cached_registrars": list(fields.get("registrars") or []),
    }


def _when(unix: Any) -> str:
    if unix is None:
        return UNKNOWN_TIME
    return datetime.fromtimestamp(float(unix), UTC).isoformat(timespec="seconds")


def _some(registrars: list[Any]) -> str:
    """The `cached_registrars` and `fresh_registrars` choices: none, or some to name."""
    return "some" if registrars else "none"


def _names(registrars: list[Any]) -> str:
    return ", ".join(str(n) for n in registrars)


def _same(a: Any, b: Any) -> bool:
    return str(a or "").lower() == str(b or "").lower()


def _key(label: Any) -> str:
    return str(label).lower().rstrip(".")
