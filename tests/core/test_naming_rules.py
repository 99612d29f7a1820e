"""The device's naming rules, one named test each (fidelity rows 35, 36 and 50).

Seed 002: "The pool FQDN suffix must match the user's SIP URI." UP-9170aa30 (Device
Update): updates come from "ucupdates-r2.<DNS domain name that was provided by DHCP>".
"""

from __future__ import annotations

from dataclasses import replace

from phonesim.core.commands import ConnectRegistrar, ResolveAddress
from phonesim.core.outcome import Failure, Success
from phonesim.profiles import load_profile

from .world import DOMAIN, POOL, Boot, World

OUTSIDE = "pool01.fabrikam.test"


def test_pool_fqdn_suffix_must_match_the_sip_uri() -> None:
    """Fidelity row 36: the pool FQDN suffix must match the SIP URI."""
    world = World()
    world.a[OUTSIDE] = ["192.0.2.40"]
    boot = Boot(world=world)
    boot.feed(boot.ack(registrars=[OUTSIDE]), after=0.01)
    boot.settle()
    mismatch = boot.trace("pool_suffix_mismatch", "registrar").fields
    assert mismatch["registrar"] == f"{OUTSIDE}:5061"
    assert mismatch["sip_domain"] == "contoso.test"  # the Web Ticket's sip:alice@contoso.test
    assert boot.of(ConnectRegistrar) == []
    outcome = boot.phone.outcome
    assert isinstance(outcome, Failure) and outcome.reason == "registrar.pool_suffix_mismatch"


def test_a_pool_outside_the_sip_domain_is_passed_over_for_the_next_option_120_name() -> None:
    boot = Boot()
    boot.feed(boot.ack(registrars=[OUTSIDE, POOL]), after=0.01)
    boot.settle()
    assert [c.host for c in boot.of(ConnectRegistrar)] == [POOL]
    assert isinstance(boot.phone.outcome, Success)


def test_a_profile_may_turn_the_pool_suffix_rule_off() -> None:
    profile = load_profile("polycom-cx600")
    profile = replace(profile, sip=replace(profile.sip, pool_suffix_must_match=False))
    world = World()
    world.a[OUTSIDE] = ["192.0.2.40"]
    boot = Boot(world=world, profile=profile)
    boot.feed(boot.ack(registrars=[OUTSIDE]), after=0.01)
    boot.settle()
    assert [c.host for c in boot.of(ConnectRegistrar)] == [OUTSIDE]


def test_the_update_server_ucupdates_r2_is_looked_up_in_the_dhcp_domain_at_boot() -> None:
    world = World()
    world.a[f"ucupdates-r2.{DOMAIN}"] = ["192.0.2.50"]
    boot = Boot(world=world)
    assert f"ucupdates-r2.{DOMAIN}" in [c.host for c in boot.of(ResolveAddress)]
    boot.feed(boot.ack(registrars=[POOL]), after=0.01)
    boot.settle()
    found = boot.trace("update_server", "dns").fields
    assert (found["name"], found["addresses"]) == (f"ucupdates-r2.{DOMAIN}", ["192.0.2.50"])


def test_no_update_server_is_not_a_failure() -> None:
    boot = Boot()
    boot.feed(boot.ack(registrars=[POOL]), after=0.01)
    boot.settle()
    assert boot.trace("update_server", "dns").fields["addresses"] == []
    assert isinstance(boot.phone.outcome, Success)
