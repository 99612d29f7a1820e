"""Where a boot's servers came from, for result.json: DiscoverySource and DiscoveryCache.

A cached phone skips DHCP and DNS, so a boot that used the cache says nothing
about what the site's DHCP and DNS give a phone today. A reader of the result
must be able to tell which it was without reading the trace.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from phonesim.core import trace_schema as ts
from phonesim.core.commands import Trace
from phonesim.core.trace_schema import TraceEvent
from phonesim.diagnosis import discovery_sources as sources
from phonesim.diagnosis.declared_fields import DeclaredFields, fields_of, reads
from phonesim.diagnosis.discovery_sources import origins

CACHE = "cache"
DHCP = "dhcp"
DNS = "dns"
DHCP_AND_DNS = "dhcp+dns"
NONE = "none"
SOURCES = (CACHE, DHCP, DNS, DHCP_AND_DNS, NONE)
"""Every value DiscoverySource takes; scripts may rely on this list."""


_READ = (
    ts.DISCOVERY_CACHE_USED,
    ts.DISCOVERY_CACHE_IGNORED,
    ts.DISCOVERY_FRESH_PHONE,
    ts.DISCOVERY_CACHE_DISCARDED,
    ts.DISCOVERY_CACHE_STORED,
    ts.DISCOVERY_DECIDED,
    ts.DHCP_ANSWER_WON,
)
_BY_KEY: dict[tuple[str, str], TraceEvent] = {(e.stage, e.name): e for e in _READ}


def discovery_summary(traces: Iterable[Trace]) -> dict[str, Any]:
    last: dict[TraceEvent, DeclaredFields] = {}
    for trace in traces:
        event = _BY_KEY.get((trace.stage, trace.event))
        if event is not None:
            last[event] = fields_of(event, trace)  # the last one of each kind
    used = last.get(ts.DISCOVERY_CACHE_USED)
    ignored = last.get(ts.DISCOVERY_CACHE_IGNORED)
    fresh = last.get(ts.DISCOVERY_FRESH_PHONE)
    discarded = last.get(ts.DISCOVERY_CACHE_DISCARDED)
    stored = last.get(ts.DISCOVERY_CACHE_STORED)
    not_read = ignored if ignored is not None else fresh
    held = used if used is not None else ignored
    kept = used is not None and discarded is None
    return {
        "DiscoverySource": _source(last, kept),
        "DiscoveryCache": {
            "Held": None if held is None else _held(held),
            "Used": kept,
            "Discarded": None
            if discarded is None
            else {
                "FailedStage": discarded.get("failed_stage"),
                "Cause": discarded.get("cause"),
            },
            "NotReadBecause": None if not_read is None else not_read.get("why"),
            "Stored": None
            if stored is None
            else {
                "Source": stored.get("source"),
                "WebUrl": stored.get("web_url"),
                "Registrars": list(stored.get("registrars") or []),
                "InStateFolder": bool(stored.get("persisted", True)),
            },
        },
    }


def _source(last: dict[TraceEvent, DeclaredFields], cache_kept: bool) -> str:
    if cache_kept:
        return CACHE
    decided = last.get(ts.DISCOVERY_DECIDED)
    if decided is None:
        return DHCP if ts.DHCP_ANSWER_WON in last else NONE
    found = origins(decided.get("web_source")) | origins(decided.get("registrar_source"))
    if not decided.get("registrars") and not decided.get("web_url"):
        return NONE
    if found == {sources.DHCP, sources.DNS}:
        return DHCP_AND_DNS
    return DHCP if sources.DHCP in found else DNS if sources.DNS in found else NONE


@reads(ts.DISCOVERY_CACHE_USED, ts.DISCOVERY_CACHE_IGNORED)
def _held(fields: DeclaredFields) -> dict[str, Any]:
    stored_at = fields.get("stored_at")
    return {
        "Source": fields.get("source"),
        "WebUrl": fields.get("web_url"),
        "Registrars": list(fields.get("registrars") or []),
        "StoredAt": None
        if stored_at is None
        else datetime.fromtimestamp(float(stored_at), UTC).isoformat(timespec="seconds"),
    }


__all__ = ["SOURCES", "discovery_summary"]
