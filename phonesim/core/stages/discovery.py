"""Discovery: the DHCPINFORM exchange and the DNS registrar search side by side, then the
decision (wsproto's composition: two machines in one, each event to the one that asked).

The decision is taken when DHCP concludes, or, if DHCP's answer is not enough,
when DNS has finished too. Both parts may outlive the decision: the INFORM
exchange listens until its window closes, and the DNS search runs to its end.
"""

from __future__ import annotations

from typing import ClassVar

from phonesim.core.boot_start import take_servers
from phonesim.core.context import BootContext
from phonesim.core.discovery_cache import DiscoveryCache
from phonesim.core.events import AddressResolved, DhcpReceived, Event, SrvResolved
from phonesim.core.stage import Stage
from phonesim.core.stages.base import DONE, Failed, Step
from phonesim.core.stages.decide import FROM_DNS, decide, waits_for_dns
from phonesim.core.stages.inform import InformExchange
from phonesim.core.stages.lease_values import LEASE
from phonesim.core.stages.registrar_lookup import RegistrarLookup
from phonesim.core.stages.update_server import UpdateServerLookup
from phonesim.core.trace_schema import (
    DISCOVERY_CACHE_USED,
    DISCOVERY_DECIDED,
    DISCOVERY_WAITING_FOR_DNS,
)


class Discovery:
    __slots__ = ("ctx", "decided", "inform", "lookup", "updates", "waiting_for_dns")
    stage: ClassVar[Stage] = Stage.DISCOVERY

    def __init__(self, ctx: BootContext) -> None:
        self.ctx = ctx
        self.inform = InformExchange(ctx)
        self.lookup = RegistrarLookup(ctx, self)
        self.updates = UpdateServerLookup(ctx)
        self.waiting_for_dns = False
        self.decided = False

    def start(self, now: float) -> Step:
        self.inform.start(now)
        self.lookup.start(now)
        self.updates.start()
        return None

    def handle(self, event: Event, now: float) -> Step:
        if isinstance(event, DhcpReceived):
            return self._decide(now) if self.inform.read(event, now) else None
        assert isinstance(event, SrvResolved | AddressResolved)
        if self.lookup.handle(event, now) and self.waiting_for_dns:
            self.waiting_for_dns = False
            return self._decide(now)
        return None

    def next_deadline(self) -> float | None:
        return self.inform.next_deadline()

    def handle_timer(self, now: float) -> Step:
        return self._decide(now) if self.inform.tick(now) else None

    @property
    def busy(self) -> bool:
        return self.inform.listens_for_dhcp or not self.lookup.finished or not self.updates.finished

    @property
    def listens_for_dhcp(self) -> bool:
        return self.inform.listens_for_dhcp

    def stop(self) -> None:
        self.inform.stop()

    def _decide(self, now: float) -> Step:
        if self.decided:
            return None
        ctx = self.ctx
        inform = self.inform
        chosen = inform.chosen
        why = waits_for_dns(inform.winner, chosen, ctx.profile)
        if self.lookup.known_domain:
            why = "the SIP domain is known: internal DNS SRV (TLS) comes first (gg398713)"
        if why is not None and not self.lookup.finished:
            self.waiting_for_dns = True
            ctx.out.trace(DISCOVERY_WAITING_FOR_DNS, why=why)
            return None
        self.decided = True
        lookup = self.lookup
        by_service = lookup.by_service if lookup.known_domain else None
        decision = decide(inform.winner, chosen, lookup.found, ctx.profile, by_service)
        held = ctx.fallback_cache
        if held is not None and (decision.web_url is None or not decision.registrars):
            return self._fall_back(held)
        ctx.web_url = decision.web_url
        ctx.web_derived = decision.web_derived
        ctx.registrars = list(decision.registrars)
        ctx.registrar_source = decision.registrar_source
        if ctx.bringup.ntp_source != LEASE:  # the lease's time servers come first
            ctx.ntp_servers = inform.winner.ntp_servers if inform.winner is not None else ()
        ctx.out.trace(
            DISCOVERY_DECIDED,
            web_url=decision.web_url,
            web_source=decision.web_source,
            registrars=[r.label() for r in decision.registrars],
            registrar_source=decision.registrar_source,
        )
        if decision.registrar_source == FROM_DNS and decision.web_url is not None:
            # Seed 000: "the previous DHCP/DNS results" are what the cache holds; what DNS
            # found is kept as DHCP's answer is (until a sign-in replaces both).
            ctx.keep(
                DiscoveryCache(
                    source=FROM_DNS,
                    web_url=decision.web_url,
                    registrars=decision.registrars,
                    stored_at=ctx.wall_time(now),
                )
            )
        if decision.web_url is None:
            return Failed(
                Stage.DISCOVERY,
                "no_servers" if not decision.registrars else "no_web_services",
                "neither DHCP nor DNS gave the web services URL or a registrar",
                dhcp_answers=sum(1 for a in (inform.winner, inform.without_fqdn) if a is not None),
            )
        return DONE

    def _fall_back(self, cache: DiscoveryCache) -> Step:
        """gg398713: "If the DNS SRV query and the DHCP options for the Registrar fail ...
        the device will use the last" values it cached. Once: a cached server that then
        fails sends the phone back to discovery, which then has no cache to fall back on."""
        ctx = self.ctx
        ctx.fallback_cache = None
        ctx.using_cache = True
        take_servers(ctx, cache)
        ctx.out.trace(
            DISCOVERY_CACHE_USED,
            **cache.describe(),
            note="DHCP and DNS gave no servers: falling back to the discovery cache",
        )
        return DONE


__all__ = ["Discovery"]
