"""Where a boot starts: from the discovery cache, or with discovery.

Apart from the conductor (`phonesim.core.phone`) because it is the cache policy's decision
(`phonesim.core.discovery_cache`), made once at power-on: the conductor only enters the
stage the answer names.
"""

from __future__ import annotations

from phonesim.core import flow
from phonesim.core.context import BootContext
from phonesim.core.discovery_cache import DiscoveryCache
from phonesim.core.profile import FALLBACK
from phonesim.core.trace_schema import (
    DISCOVERY_CACHE_HELD,
    DISCOVERY_CACHE_IGNORED,
    DISCOVERY_CACHE_UNUSABLE,
    DISCOVERY_CACHE_USED,
    DISCOVERY_FRESH_PHONE,
)


def read_cache(
    ctx: BootContext, cache: DiscoveryCache | None, problem: str | None = None
) -> flow.Start:
    """Whether the discovery cache stands in for discovery, as the policy allows; when it
    does, its servers are the boot's. A cache that could not be read (`problem`) is no
    cache: the phone discovers, and the trace says why."""
    policy = ctx.cache_policy
    invalid = None if cache is None else cache.problem
    if cache is not None and policy.read and invalid is not None:
        ctx.out.trace(
            DISCOVERY_CACHE_IGNORED,
            why=f"{invalid}: not trusted, discovering afresh",
            **cache.describe(),
        )
        return flow.Start.DISCOVER
    if cache is None and problem is not None and policy.read:
        ctx.out.trace(DISCOVERY_CACHE_UNUSABLE, why=problem)
    if cache is not None and policy.read and cache.usable:
        ctx.cached_sip_domain = cache.sip_domain
        take_certificate(ctx, cache)
        if ctx.profile.cache.use == FALLBACK:
            # gg398713: discovery runs as on any boot (in the SIP domain the cache knows);
            # the cache answers only if DHCP and DNS give nothing.
            ctx.fallback_cache = cache
            ctx.out.trace(
                DISCOVERY_CACHE_HELD,
                **cache.describe(),
                note="discovering as usual; the cache serves if DHCP and DNS give nothing",
            )
            return flow.Start.DISCOVER
        ctx.using_cache = True
        ctx.out.trace(
            DISCOVERY_CACHE_USED,
            **cache.describe(),
            note="DHCPINFORM and DNS discovery skipped: values from the discovery cache",
        )
        take_servers(ctx, cache)
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


def take_certificate(ctx: BootContext, cache: DiscoveryCache) -> None:
    """A certificate kept from the last sign-in, still valid on the phone's clock, signs
    this boot in: a real phone keeps its certificate and does not ask for the PIN again
    after a reboot (CertProv's certificates last 180 days by default). Its validity is
    checked once the clock is set (`warm_sign_in`)."""
    if cache.credential is None or cache.sip_uri is None:
        return
    ctx.credential = cache.credential
    ctx.sip_uri = cache.sip_uri
    ctx.certificate_not_after = cache.certificate_not_after
    ctx.warm_certificate = True


def take_servers(ctx: BootContext, cache: DiscoveryCache) -> None:
    """The cache's servers become the boot's, with every address kept for each registrar
    (the phone dials them without asking DNS)."""
    ctx.web_url = cache.web_url
    ctx.registrars = list(cache.registrars)
    ctx.registrar_source = "cache"
    for target in cache.registrars:
        ctx.names.remember_all(target.host, target.kept_addresses())


__all__ = ["read_cache", "take_certificate", "take_servers"]
