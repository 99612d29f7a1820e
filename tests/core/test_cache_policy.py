"""How a boot treats the phone's flash, and what diagnosis says about it.

A real phone reads its discovery cache and keeps what worked. A troubleshooter's fresh
phone reads nothing and keeps nothing, and then diagnosis compares what it found with what
a phone that signed in before holds.
"""

from __future__ import annotations

from phonesim.core.commands import PersistCache
from phonesim.core.discovery_cache import CachePolicy, DiscoveryCache, RegistrarTarget
from phonesim.core.outcome import Failure, Success
from phonesim.diagnosis import diagnose
from phonesim.report.discovery_summary import discovery_summary

from .world import CERT_PROV, POOL, Boot, World

HELD = DiscoveryCache(
    source="signin",
    web_url=CERT_PROV,
    registrars=(RegistrarTarget(POOL, 5061, address="192.0.2.10"),),
    stored_at=1_790_000_000.0,
)
FRESH = CachePolicy.factory_fresh("diagnose asks what this site gives a phone")


def ids(boot: Boot) -> list[str]:
    return [f.id for f in diagnose(boot.traces()).findings]


def test_a_fresh_phone_asks_dhcp_though_its_flash_holds_servers_and_keeps_nothing() -> None:
    boot = Boot(cache=HELD, cache_policy=FRESH)
    assert len(boot.informs) == 1
    boot.feed(boot.ack(registrars=[POOL]), after=0.01)
    boot.settle()
    assert isinstance(boot.phone.outcome, Success)
    assert not boot.of(PersistCache)
    stored = boot.traces("cache_stored")
    assert stored and all(t.fields["persisted"] is False for t in stored)
    ignored = boot.trace("cache_ignored")
    assert ignored.fields["web_url"] == CERT_PROV
    assert ignored.fields["why"] == "diagnose asks what this site gives a phone"
    summary = discovery_summary(boot.traces())
    assert summary["DiscoverySource"] == "dhcp"
    assert summary["DiscoveryCache"]["Stored"]["InStateFolder"] is False


def test_a_fresh_phone_with_nothing_held_says_it_starts_fresh() -> None:
    boot = Boot(cache_policy=FRESH)
    assert boot.trace("fresh_phone").fields["why"] == FRESH.why
    quiet = Boot(cache_policy=CachePolicy.factory_fresh("fleet", announce=False))
    assert not quiet.traces("fresh_phone")


def test_rediscovery_keeps_what_works() -> None:
    boot = Boot(cache=HELD, cache_policy=CachePolicy.rediscover())
    boot.feed(boot.ack(registrars=["pool02.contoso.test"]), after=0.01)
    boot.settle()
    kept = [c.cache for c in boot.of(PersistCache)]
    assert kept[-1] is not None and kept[-1].registrars[0].host == "pool02.contoso.test"


def test_a_cached_boot_is_a_finding_that_says_dhcp_and_dns_were_not_asked() -> None:
    boot = Boot(cache=HELD)
    boot.settle()
    assert isinstance(boot.phone.outcome, Success)
    assert ids(boot) == ["discovery.cache_used"]
    finding = diagnose(boot.traces()).findings[0]
    assert finding.severity == "info"
    assert finding.evidence["cached_registrars"] == [f"{POOL}:5061"]
    assert discovery_summary(boot.traces())["DiscoverySource"] == "cache"


def test_cached_servers_that_fail_are_a_warning_with_both_sets_of_servers() -> None:
    stale = DiscoveryCache(
        source="signin",
        web_url=CERT_PROV,
        registrars=(RegistrarTarget("old-pool.contoso.test", 5061),),
        stored_at=0.0,
    )
    boot = Boot(cache=stale)
    boot.settle(timers=False)
    boot.feed(boot.ack(registrars=[POOL]), after=0.01)
    boot.settle()
    assert isinstance(boot.phone.outcome, Success)
    findings = diagnose(boot.traces()).findings
    assert [f.id for f in findings] == ["discovery.cache_discarded"]
    assert findings[0].severity == "warning"
    assert findings[0].evidence["cached_registrars"] == ["old-pool.contoso.test:5061"]
    assert findings[0].evidence["fresh_registrars"] == [f"{POOL}:5061"]
    assert discovery_summary(boot.traces())["DiscoveryCache"]["Discarded"]["Cause"] == (
        "registrar.unreachable"
    )


def test_diagnose_says_cached_phones_go_elsewhere_when_the_site_now_gives_other_servers() -> None:
    boot = Boot(cache=HELD, cache_policy=FRESH)
    boot.feed(boot.ack(registrars=["pool02.contoso.test"]), after=0.01)
    boot.settle()
    assert isinstance(boot.phone.outcome, Success)
    (finding,) = diagnose(boot.traces()).findings
    assert finding.id == "discovery.cached_phones_differ"
    assert finding.evidence["cached_registrars"] == [f"{POOL}:5061"]
    assert finding.evidence["fresh_registrars"] == ["pool02.contoso.test:5061"]


def test_diagnose_says_cached_phones_skip_a_discovery_fault() -> None:
    # No DHCP answer and no DNS records: a fresh phone finds nothing.
    boot = Boot(cache=HELD, cache_policy=FRESH, world=World(srv={}))
    boot.settle()
    outcome = boot.phone.outcome
    assert isinstance(outcome, Failure) and outcome.stage == "discovery"
    found = ids(boot)
    assert found[-1] == "discovery.cached_phones_unaffected"
    unaffected = diagnose(boot.traces()).findings[-1]
    assert unaffected.severity == "info"
    assert unaffected.evidence["cached_web_url"] == CERT_PROV
