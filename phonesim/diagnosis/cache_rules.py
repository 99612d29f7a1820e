"""Diagnosis rules about the discovery cache: when it stood in for DHCP and DNS, and what a
phone that signed in before would do differently from the fresh phone this boot ran.

A cached phone does not ask DHCP or DNS, so a site whose DHCP is broken still
looks healthy to it; and a site whose options changed keeps its old phones on
the old servers. Both are worth saying whenever the cache played a part.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from phonesim.diagnosis.boot_record import BootRecord
from phonesim.diagnosis.finding import Finding

FRESH_LOOK = (
    "To see what this site's DHCP and DNS give a phone today, run `phonesim diagnose` "
    "(it always discovers afresh) or `phonesim boot --no-cache`."
)


def cache_used(record: BootRecord) -> Finding | None:
    used = record.first("discovery.cache_used")
    if used is None or record.first("discovery.cache_discarded") is not None:
        return None
    held = used.fields
    return Finding(
        id="discovery.cache_used",
        severity="info",
        title="This boot used the discovery cache: DHCP and DNS were not asked",
        explanation=(
            f"The phone's flash held servers from an earlier boot ({held.get('source')}, "
            f"stored {_when(held.get('stored_at'))}) and it went straight to them. Nothing in "
            "this boot shows what the site's DHCP and DNS give a phone now: a fault there "
            "would not show here, yet a new or reset phone would meet it."
        ),
        evidence=_held(held) | {"t": used.t},
        remediation=(FRESH_LOOK,),
        priority=70,
    )


def cache_discarded(record: BootRecord) -> Finding | None:
    dropped = record.first("discovery.cache_discarded")
    used = record.first("discovery.cache_used")
    if dropped is None or used is None:
        return None
    decided = record.decided
    return Finding(
        id="discovery.cache_discarded",
        severity="warning",
        title="The cached servers no longer worked: the phone discovered afresh",
        explanation=(
            f"The phone went to the servers in its discovery cache and failed at the "
            f"{dropped.fields.get('failed_stage')} step ({dropped.fields.get('cause')}), so it "
            "forgot them and asked DHCP and DNS again. Every phone that signed in before pays "
            "this detour on its next boot."
        ),
        evidence=_held(used.fields)
        | {
            "cause": dropped.fields.get("cause"),
            "fresh_web_url": None if decided is None else decided.fields.get("web_url"),
            "fresh_registrars": None if decided is None else decided.fields.get("registrars"),
            "t": dropped.t,
        },
        remediation=(
            "If the pool moved, nothing needs doing: cached phones find the new servers this "
            "way. If it did not, the cached servers are down: see the failure above.",
        ),
        priority=65,
    )


def cache_differs(record: BootRecord) -> Finding | None:
    """The boot ran a fresh phone although the flash held servers: compare the two."""
    ignored = record.first("discovery.cache_ignored")
    if ignored is None:
        return None
    held = ignored.fields
    decided = record.decided
    fresh_url = None if decided is None else decided.fields.get("web_url")
    fresh_registrars = [] if decided is None else list(decided.fields.get("registrars") or [])
    evidence = _held(held) | {
        "fresh_web_url": fresh_url,
        "fresh_registrars": fresh_registrars,
        "cache_not_used_because": held.get("why"),
    }
    fresh_failed = record.failure is not None and record.failure.stage in ("dhcp", "discovery")
    if fresh_failed or fresh_url is None:
        return Finding(
            id="discovery.cached_phones_unaffected",
            severity="info",
            title="A phone that signed in before would not meet this discovery fault",
            explanation=(
                "This boot was a fresh phone and discovery failed. A phone with a discovery "
                f"cache skips DHCP and DNS: it would go straight to {held.get('web_url')} and "
                f"{_names(held.get('registrars'))} (cached {_when(held.get('stored_at'))}). "
                "That is why such a fault often hits only new or reset phones."
            ),
            evidence=evidence,
            priority=75,
        )
    same_url = _same(held.get("web_url"), fresh_url)
    same_registrars = {_key(r) for r in held.get("registrars") or []} == {
        _key(r) for r in fresh_registrars
    }
    if same_url and same_registrars:
        return None
    return Finding(
        id="discovery.cached_phones_differ",
        severity="info",
        title="Phones that signed in before use other servers than this site now gives",
        explanation=(
            f"The discovery cache holds {held.get('web_url')} and "
            f"{_names(held.get('registrars'))} (cached {_when(held.get('stored_at'))}); fresh "
            f"discovery gives {fresh_url} and {_names(fresh_registrars)}. Cached phones keep "
            "going to the old servers until they fail there; only then do they discover afresh."
        ),
        evidence=evidence,
        remediation=(
            "After a migration, keep the old servers answering until every phone has signed "
            "in once, or reset the phones so they discover afresh.",
        ),
        priority=75,
    )


CACHE_RULES = (cache_used, cache_discarded, cache_differs)


def _held(fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "cache_source": fields.get("source"),
        "cached_at": _when(fields.get("stored_at")),
        "cached_web_url": fields.get("web_url"),
        "cached_registrars": list(fields.get("registrars") or []),
    }


def _when(unix: Any) -> str:
    if unix is None:
        return "at an unknown time"
    return datetime.fromtimestamp(float(unix), UTC).isoformat(timespec="seconds")


def _names(registrars: Any) -> str:
    names = list(registrars or [])
    if not names:
        return "no registrar"
    return "registrar " + ", ".join(str(n) for n in names)


def _same(a: Any, b: Any) -> bool:
    return str(a or "").lower() == str(b or "").lower()


def _key(label: Any) -> str:
    return str(label).lower().rstrip(".")


__all__ = ["CACHE_RULES"]
