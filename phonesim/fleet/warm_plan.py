"""How each phone of a fleet with warm phones powers on: with its flash, or factory-fresh.

Cold phones start as every fleet phone does (no cache read, nothing kept). A warm
phone reads the cache it kept and writes the one it learns, as a real phone does:
it skips discovery (`cache.use = skip-discovery`) and signs in with its kept
certificate while that is valid, else with its PIN, and the fleet notes which.
The warm-up pass signs in the warm phones that have no cache yet, once, unmeasured:
they discover as fresh phones and keep what worked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from phonesim.core.discovery_cache import CachePolicy, DiscoveryCache
from phonesim.core.trace_schema import (
    WEBTICKET_CACHED_CERTIFICATE_EXPIRED,
    WEBTICKET_CACHED_CERTIFICATE_REFUSED,
)
from phonesim.fleet.identities import FleetIdentity
from phonesim.fleet.warm_store import FleetCacheStore

COLD = "cold"
WARM = "warm"
WARM_PIN = "warm-pin"
"""A warm phone whose kept certificate did not sign it in (expired, refused): it asked
for its PIN."""
WARM_NO_CACHE = "warm-no-cache"
"""A warm phone the warm-up pass could not sign in: it boots without a cache."""

COLD_CACHE = CachePolicy.factory_fresh("a fleet's phones start factory-fresh", announce=False)
WARM_CACHE = CachePolicy.device()
WARM_UP_CACHE = CachePolicy(read=False, write=True, why="the warm-up pass", announce=False)

FELL_BACK = {
    WEBTICKET_CACHED_CERTIFICATE_EXPIRED.name: "certificate_expired",
    WEBTICKET_CACHED_CERTIFICATE_REFUSED.name: "certificate_refused",
}
"""The kept certificate's events that send a warm phone back to its PIN, by the name the
report gives them."""


@dataclass
class WarmPlan:
    share: float
    warm: frozenset[int]
    """Indices of the warm phones in the whole fleet."""
    store: FleetCacheStore
    caches: dict[int, DiscoveryCache] = field(default_factory=dict)
    """Each warm phone's kept cache, read before the clock starts."""
    warming: bool = False
    """The warm-up pass: warm phones discover afresh and keep what works."""
    from_state: int = 0
    """Warm phones (of this engine) whose cache was in the state folder."""
    warmed_by_pass: int = 0
    warm_up_failed: int = 0
    fresh_pool: bool = False
    """The pool was made for this run (`--lab`: a new CA each time): no certificate kept
    from an earlier run is one of its own, so the pass warms every warm phone."""

    def start(self, identity: FleetIdentity) -> tuple[DiscoveryCache | None, CachePolicy, str]:
        """The phone's cache, how it treats its flash, and what the report calls it."""
        if identity.index not in self.warm:
            return None, COLD_CACHE, COLD
        if self.warming:
            return None, WARM_UP_CACHE, WARM
        cache = self.caches.get(identity.index)
        return cache, WARM_CACHE, WARM if cache is not None else WARM_NO_CACHE

    def load(self, identities: list[FleetIdentity], *, stored: bool = True) -> list[FleetIdentity]:
        """Read the warm phones' caches; the warm phones that have none usable (the ones
        the warm-up pass is for). `stored`: False reads none (a fresh pool's phones)."""
        self.store.prepare()
        missing = []
        for identity in identities:
            if identity.index not in self.warm:
                continue
            cache = self.store.load(identity.mac) if stored else None
            if cache is not None and cache.usable:
                self.caches[identity.index] = cache
            else:
                missing.append(identity)
        return missing

    def summary(self) -> dict[str, int | float]:
        return {
            "share": self.share,
            "from_state": self.from_state,
            "warmed_by_pass": self.warmed_by_pass,
            "warm_up_failed": self.warm_up_failed,
        }
