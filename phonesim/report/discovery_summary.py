"""Where a boot's servers came from, for result.json: DiscoverySource and DiscoveryCache.

A cached phone skips DHCP and DNS, so a boot that used the cache says nothing
about what the site's DHCP and DNS give a phone today. A reader of the result
must be able to tell which it was without reading the trace.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from phonesim.core.commands import Trace

CACHE = "cache"
DHCP = "dhcp"
DNS = "dns"
DHCP_AND_DNS = "dhcp+dns"
NONE = "none"
SOURCES = (CACHE, DHCP, DNS, DHCP_AND_DNS, NONE)
"""Every value DiscoverySource takes; scripts may rely on this list."""


def discovery_summary(traces: Iterable[Trace]) -> dict[str, Any]:
    by_key: dict[str, Trace] = {}
    for trace in traces:
        if trace.stage in ("discovery", "dhcp"):
            by_key[f"{trace.stage}.{trace.event}"] = trace  # the last one of each kind
    used = by_key.get("discovery.cache_used")
    ignored = by_key.get("discovery.cache_ignored") or by_key.get("discovery.fresh_phone")
    discarded = by_key.get("discovery.cache_discarded")
    stored = by_key.get("discovery.cache_stored")
    held = used or by_key.get("discovery.cache_ignored")
    return {
        "DiscoverySource": _source(by_key, used is not None and discarded is None),
        "DiscoveryCache": {
            "Held": None if held is None else _held(held.fields),
            "Used": used is not None and discarded is None,
            "Discarded": None
            if discarded is None
            else {
                "FailedStage": discarded.fields.get("failed_stage"),
                "Cause": discarded.fields.get("cause"),
            },
            "NotReadBecause": None if ignored is None else ignored.fields.get("why"),
            "Stored": None
            if stored is None
            else {
                "Source": stored.fields.get("source"),
                "WebUrl": stored.fields.get("web_url"),
                "Registrars": list(stored.fields.get("registrars") or []),
                "InStateFolder": bool(stored.fields.get("persisted", True)),
            },
        },
    }


def _source(by_key: dict[str, Trace], cache_kept: bool) -> str:
    if cache_kept:
        return CACHE
    decided = by_key.get("discovery.decided")
    if decided is None:
        return DHCP if "dhcp.answer_won" in by_key else NONE
    origins = set()
    for text in (decided.fields.get("web_source"), decided.fields.get("registrar_source")):
        # "derived from the DNS registrar (option 43 present but unusable)": the
        # parenthesis says what was not used.
        text = (text or "").lower().split(" (")[0]
        if "dhcp" in text or "option" in text:
            origins.add(DHCP)
        if "dns" in text:
            origins.add(DNS)
    if not decided.fields.get("registrars") and not decided.fields.get("web_url"):
        return NONE
    if origins == {DHCP, DNS}:
        return DHCP_AND_DNS
    return origins.pop() if origins else NONE


def _held(fields: dict[str, Any]) -> dict[str, Any]:
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
