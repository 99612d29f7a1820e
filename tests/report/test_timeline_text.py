"""The timeline says what happened in words: never a Python `None` where something was not
found, never "signed in" where the phone only reached the registrar's challenge."""

from __future__ import annotations

import re

import pytest

from phonesim.core.discovery_cache import CachePolicy, DiscoveryCache, RegistrarTarget
from phonesim.report.timeline import describe
from tests.core.world import CERT_PROV, POOL, Boot, World

NONE_WORD = re.compile(r"\bNone\b")


def nothing_found() -> Boot:
    boot = Boot(world=World(srv={}))  # no DHCP answer, no DNS record
    boot.settle()
    return boot


def healthy() -> Boot:
    boot = Boot()
    boot.feed(boot.ack(registrars=[POOL]), after=0.01)
    boot.settle()
    return boot


def stopped(stage: str) -> Boot:
    boot = Boot(final_stage=stage)
    boot.feed(boot.ack(registrars=[POOL]), after=0.01)
    boot.settle()
    return boot


def fresh_beside_a_cache() -> Boot:
    held = DiscoveryCache("signin", CERT_PROV, (RegistrarTarget(POOL, 5061),), 1.8e9)
    boot = Boot(cache=held, cache_policy=CachePolicy.factory_fresh("diagnose"))
    boot.feed(boot.ack(registrars=[POOL]), after=0.01)
    boot.settle()
    return boot


BOOTS = {
    "nothing found": nothing_found,
    "healthy": healthy,
    "fresh beside a cache": fresh_beside_a_cache,
    **{f"stop after {s}": (lambda s=s: stopped(s)) for s in ("dhcp", "discovery", "webticket")},
}


@pytest.mark.parametrize("name", sorted(BOOTS))
def test_no_line_says_none(name: str) -> None:
    lines = [describe(t) for t in BOOTS[name]().traces()]
    assert not [line for line in lines if NONE_WORD.search(line)], lines


def test_discovery_that_found_nothing_says_so() -> None:
    lines = [describe(t) for t in nothing_found().traces()]
    assert "web services not found; registrars not found" in lines
    assert "DNS registrar lookup: none found" in lines


def test_the_end_of_a_boot_is_the_challenge_not_a_sign_in() -> None:
    last = describe(healthy().traces()[-1])
    assert last.startswith("reached the TLS-DSK challenge of pool01.contoso.test:5061")
    assert "not signed in" in last
