"""A boot through a Director: the signed 301 sends the phone back to the registrar stage
with the home pool alone, a new TLS-DSK handshake there, the cache written for the home
pool; loops and too many redirects are named failures with the chain of hosts."""

from __future__ import annotations

from dataclasses import replace

from phonesim.core import flow
from phonesim.core.outcome import Failure, Success
from phonesim.core.stage import Stage
from phonesim.lab.scenario import load_scenario, load_scenario_text
from phonesim.profiles import load_profile
from phonesim.testing import LabPair

DIRECTOR = "pool01.phonesim.test"
HOME = "pool02.phonesim.test"


def chain_of_directors() -> LabPair:
    text = """
[scenario]
summary = "pool01 redirects to pool02, which redirects to pool03, the home pool"

[registrar]
redirect = { pool01 = "pool02", pool02 = "pool03" }
"""
    profile = load_profile("polycom-cx600")
    one = replace(profile, tls_dsk=replace(profile.tls_dsk, max_redirects=1))
    scenario = load_scenario_text(text, name="two-directors", source="test")
    return LabPair(scenario, profile=one)


def test_the_redirect_rule_is_the_flow_tables() -> None:
    assert flow.REDIRECTED_TO == {Stage.TLSDSK: Stage.REGISTRAR}


def test_a_director_sends_the_phone_to_its_home_pool_for_a_new_handshake() -> None:
    """Fidelity row 37: option 120 is often a Director, which redirects."""
    pair = LabPair(load_scenario("director-redirect"))
    outcome = pair.run()
    assert isinstance(outcome, Success) and outcome.registrar == f"{HOME}:5061"
    (redirected,) = [t for t in pair.traces if t.event == "redirected"]
    assert redirected.fields["registrar"] == f"{DIRECTOR}:5061"
    assert (redirected.fields["to"], redirected.fields["hop"]) == (f"{HOME}:5061", 1)
    assert redirected.fields["expires"] == 2592000
    # After the redirect the registrar stage tries the home pool, and only it.
    after = pair.traces[pair.traces.index(redirected) :]
    connects = [t.fields["registrar"] for t in after if t.event == "connect"]
    assert connects == [f"{HOME}:5061"]
    # Each registrar ran a handshake of its own; only the home pool bound the phone.
    registrar = pair.lab.registrar
    director, home = registrar.tls_dsk_of(DIRECTOR), registrar.tls_dsk_of(HOME)
    assert director is not None and home is not None and director is not home
    assert director.counts["handshakes"] == 1 and director.counts["redirected"] == 1
    assert home.counts["handshakes"] == 1 and home.counts["registered"] == 1
    assert not director.bindings and "sip:alice@phonesim.test" in home.bindings
    challenges = [t.fields["target_name"] for t in pair.traces if t.event == "challenge"]
    assert challenges == [DIRECTOR, HOME]
    # The flash holds the registrar that signed the phone in, written after its 200 OK.
    assert [c.registrars[0].host for c in pair.stored if c and c.source == "signin"] == [HOME]


def test_a_cached_home_pool_signs_in_without_the_director() -> None:
    first = LabPair(load_scenario("director-redirect"))
    first.run()
    pair = LabPair(load_scenario("director-redirect"), cache=first.stored[-1])
    outcome = pair.run()
    assert isinstance(outcome, Success) and outcome.registrar == f"{HOME}:5061"
    assert not any(t.event == "redirected" for t in pair.traces)


def test_two_directors_redirecting_to_each_other_are_a_named_loop() -> None:
    pair = LabPair(load_scenario("director-redirect-loop"))
    outcome = pair.run()
    assert isinstance(outcome, Failure) and outcome.reason == "tlsdsk.redirect_loop"
    assert outcome.evidence["chain"] == [f"{DIRECTOR}:5061", f"{HOME}:5061", f"{DIRECTOR}:5061"]
    hops = [t.fields["hop"] for t in pair.traces if t.event == "redirected"]
    assert hops == [1, 2]
    assert not any(t.event in ("registered", "signed_in") for t in pair.traces)


def test_more_redirects_than_the_profile_follows_is_a_named_failure() -> None:
    pair = chain_of_directors()
    outcome = pair.run()
    assert isinstance(outcome, Failure) and outcome.reason == "tlsdsk.too_many_redirects"
    assert outcome.evidence["max_redirects"] == 1
    assert outcome.evidence["chain"] == [
        f"{DIRECTOR}:5061",
        f"{HOME}:5061",
        "pool03.phonesim.test:5061",
    ]


def test_a_200_whose_signature_does_not_verify_writes_no_signin_cache() -> None:
    pair = LabPair(load_scenario("bad-server-signature"))
    assert isinstance(pair.run(), Failure)
    assert [c.source for c in pair.stored if c is not None] == ["dhcp"]
