"""Where a boot starts: from the discovery cache, or with discovery.

Apart from the conductor (`phonesim.core.phone`) because it is the cache policy's decision
(`phonesim.core.discovery_cache`), made once at power-on: the conductor only enters the
stage the answer names.
"""

from __future__ import annotations

from phonesim.core import flow
from phonesim.core.context import BootContext
from phonesim.core.discovery_cache import DiscoveryCache
from phonesim.core.trace_schema import (
    DISCOVERY_CACHE_IGNORED,
    DISCOVERY_CACHE_USED,
    DISCOVERY_FRESH_PHONE,
)


def read_cache(ctx: BootContext, cache: DiscoveryCache | None) -> flow.Start:
    """Whether the discovery cache stands in for discovery, as the policy allows; when it
    does, its servers are the boot's."""
    policy = ctx.cache_policy
    problem = None if cache is None else cache.problem
    if cache is not None and policy.read and problem is not None:
        ctx.out.trace(
            DISCOVERY_CACHE_IGNORED,
            why=f"{problem}: not trusted, discovering afresh",
            **cache.describe(),
        )
        return flow.Start.DISCOVER
    if cache is not None and policy.read and cache.usable:
        ctx.using_cache = True
        ctx.out.trace(
            DISCOVERY_CACHE_USED,
            **cache.describe(),
            note="DHCPINFORM and DNS discovery skipped: values from the discovery cache",
        )
        ctx.web_url = cache.web_url
        ctx.registrars = list(cache.registrars)
        ctx.registrar_source = "cache"
        for target in cache.registrars:
            if target.address:
                ctx.names.remember(target.host, target.address)
        return flow.Start.FROM_CACHE
    if cache is not None and not policy.read:
        # What is held still matters: it is what a phone that signed in
        # before would use instead of the discovery this boot runs.
        ctx.out.trace(
            DISCOVERY_CACHE_IGNORED,
            why=policy.why or "asked to rediscover",
            **cache.describe(),
        )
    elif not policy.read and policy.announce:
        ctx.out.trace(DISCOVERY_FRESH_PHONE, why=policy.why or "asked to rediscover")
    return flow.Start.DISCOVER


__all__ = ["read_cache"]
