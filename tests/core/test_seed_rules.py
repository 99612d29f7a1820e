"""The device's discovery rules from the seed documents, one named test each.

Seed (troubleshooting page): "The device sends a DHCPInform, with the Lync Server
class ID (ms-uc-client) and specifies that Option 43 and 120 are needed"; "the
device also sends a DNS lookup for the Registrar"; "the first DHCP response with
an FQDN is used and other responses are ignored, unless there are no DHCP
responses with FQDNs"; "up to two Registrar FQDNs ... the client tries each one";
"DHCP responses containing FQDNs are always cached, regardless of the outcome of
the DNS SRV lookup"; "After the device has successfully authenticated and
connected to Registrar, the previous DHCP/DNS results are cleared from the cache
and the values are stored."
"""

from __future__ import annotations

import itertools
from dataclasses import replace

from phonesim.codec.dhcp_message import decode_dhcp_message
from phonesim.core.commands import ConnectRegistrar, ResolveSrv, SendDhcp
from phonesim.core.discovery_cache import CachePolicy, DiscoveryCache, RegistrarTarget
from phonesim.core.events import SrvRecord
from phonesim.core.outcome import Failure, Success
from phonesim.lab.scenario import load_scenario
from phonesim.profiles import load_profile
from phonesim.testing import LabPair

from .world import CERT_PROV, DOMAIN, POOL, WALL_CLOCK, WEB, Boot, World


def test_inform_carries_ms_uc_client_class_and_asks_for_43_and_120() -> None:
    boot = Boot()
    inform = decode_dhcp_message(boot.informs[0].payload)
    assert inform.vendor_class == "MS-UC-Client"
    assert {43, 120} <= set(inform.parameter_request_list)
    assert inform.ciaddr == "192.0.2.100"
    assert (
        inform.options.get(50) is None
        and inform.options.get(51) is None
        and inform.options.get(54) is None
    )


def test_dns_srv_lookup_starts_at_the_same_moment_as_the_inform() -> None:
    boot = Boot()
    first_call = boot.log  # everything start() returned
    assert any(isinstance(c, SendDhcp) for c in first_call)
    srv = [c for c in first_call if isinstance(c, ResolveSrv)]
    assert srv and srv[0].name == f"_sipinternaltls._tcp.{DOMAIN}"


def test_first_dhcp_answer_with_an_fqdn_wins_and_later_answers_are_ignored() -> None:
    boot = Boot()
    boot.feed(boot.ack(server="192.0.2.5", registrars=[POOL]), after=0.01)
    boot.feed(
        boot.ack(server="192.0.2.6", registrars=["pool02.contoso.test"], web="web02.contoso.test"),
        after=0.001,
    )
    assert boot.trace("answer_won").fields["server"] == "192.0.2.5"
    ignored = boot.trace("answer_ignored", "dhcp")
    assert ignored.fields["server"] == "192.0.2.6"
    boot.settle()
    assert isinstance(boot.phone.outcome, Success)
    assert boot.phone.outcome.registrar == f"{POOL}:5061"
    assert boot.phone.outcome.web_url == CERT_PROV


def test_an_answer_without_fqdn_does_not_beat_a_later_answer_with_one() -> None:
    boot = Boot()
    boot.feed(boot.ack(server="192.0.2.7", registrars=None, web=None), after=0.001)
    boot.feed(boot.ack(server="192.0.2.5", registrars=[POOL]), after=0.001)
    assert boot.trace("answer_without_fqdn").fields["server"] == "192.0.2.7"
    assert boot.trace("answer_won").fields["server"] == "192.0.2.5"
    decided = boot.trace("decided")
    assert decided.fields["registrar_source"] == "dhcp option 120"


def test_when_no_dhcp_answer_has_an_fqdn_the_phone_uses_dns() -> None:
    boot = Boot()
    boot.feed(boot.ack(server="192.0.2.7", registrars=None, web=None), after=0.001)
    boot.tick(boot.phone.profile.dhcp.answer_window + 0.1)  # the window for a better answer closes
    boot.settle()
    decided = boot.trace("decided")
    assert decided.fields["registrar_source"] == "dns"
    assert decided.fields["registrars"] == [f"{POOL}:5061"]
    assert decided.fields["web_url"] == f"https://{POOL}:443/CertProv/CertProvisioningService.svc"
    assert isinstance(boot.phone.outcome, Success)


def test_dhcp_answer_with_fqdn_is_cached_whatever_dns_says() -> None:
    world = World(srv={})  # DNS knows nothing: every SRV lookup fails
    boot = Boot(world=world)
    boot.feed(boot.ack(registrars=[POOL]), after=0.01)
    cached = boot.caches()
    assert cached and cached[0] is not None
    assert cached[0].source == "dhcp"
    assert cached[0].registrars == (RegistrarTarget(POOL, 5061),)
    assert cached[0].web_url == CERT_PROV
    boot.settle()
    assert boot.traces("no_answer", "dns")  # DNS did fail, and the DHCP values were cached anyway


def test_up_to_two_registrars_from_option_120_are_tried_in_turn() -> None:
    world = World(dead_registrars={POOL})
    boot = Boot(world=world)
    boot.feed(boot.ack(registrars=[POOL, "pool02.contoso.test", "pool03.contoso.test"]), after=0.01)
    boot.settle()
    tried = [c.host for c in boot.of(ConnectRegistrar)]
    assert tried == [POOL, "pool02.contoso.test"]
    assert isinstance(boot.phone.outcome, Success)
    assert boot.phone.outcome.registrar == "pool02.contoso.test:5061"


def test_all_option_120_registrars_dead_fails_at_the_registrar_stage() -> None:
    world = World(dead_registrars={POOL, "pool02.contoso.test"})
    boot = Boot(world=world)
    boot.feed(boot.ack(registrars=[POOL, "pool02.contoso.test"]), after=0.01)
    boot.settle()
    outcome = boot.phone.outcome
    assert isinstance(outcome, Failure)
    assert outcome.reason == "registrar.unreachable"
    assert outcome.evidence["tried"] == [f"{POOL}:5061", "pool02.contoso.test:5061"]


def test_successful_sign_in_replaces_the_cache_with_what_worked() -> None:
    """Fidelity row 27: the cache is replaced only after authentication and registration."""
    # Authenticated means the registrar's verified 200 OK: the lab's TLS-DSK sign-in.
    pair = LabPair(load_scenario("two-registrars-first-dead"))
    assert isinstance(pair.run(), Success)
    final = pair.stored[-1]
    assert final is not None and final.source == "signin"
    # What worked first; then the pool the provisioning answer names (row 28).
    assert final.registrars[0] == RegistrarTarget("pool02.phonesim.test", 5061, "tls", "127.0.0.1")
    assert [r.label() for r in final.registrars[1:]] == ["pool01.phonesim.test:5061"]
    registered = next(i for i, t in enumerate(pair.traces) if t.event == "registered")
    stored = [i for i, t in enumerate(pair.traces) if t.event == "cache_stored"]
    assert stored[-1] > registered


def test_a_challenge_alone_writes_no_signin_cache() -> None:
    # Stopped at the registrar's 401 the phone never authenticated: only DHCP's cache.
    world = World(dead_registrars={POOL})
    boot = Boot(world=world)
    boot.feed(boot.ack(registrars=[POOL, "pool02.contoso.test"]), after=0.01)
    boot.settle()
    assert isinstance(boot.phone.outcome, Success)
    assert all(cache is None or cache.source == "dhcp" for cache in boot.caches())


def test_next_boot_uses_the_cache_and_sends_no_inform() -> None:
    """Fidelity row 26: the cache stands in for discovery (seed 000)."""
    cache = DiscoveryCache(
        source="signin",
        web_url=CERT_PROV,
        registrars=(RegistrarTarget(POOL, 5061, "tls", "192.0.2.10"),),
        stored_at=0.0,
    )
    boot = Boot(cache=cache)
    boot.settle()
    assert boot.informs == []
    assert not any(isinstance(c, ResolveSrv) and "sip" in c.name for c in boot.log)
    assert boot.trace("cache_used").fields["web_url"] == CERT_PROV
    assert isinstance(boot.phone.outcome, Success)


def test_a_cache_that_no_longer_works_is_dropped_for_fresh_discovery() -> None:
    """Fidelity row 29: a failing cached registrar restarts discovery."""
    stale = DiscoveryCache(
        source="signin",
        web_url=CERT_PROV,
        registrars=(RegistrarTarget("old-pool.contoso.test", 5061),),
        stored_at=0.0,
    )
    world = World()
    boot = Boot(cache=stale, world=world)
    boot.settle(
        timers=False
    )  # old-pool does not resolve -> registrar fails -> cache dropped -> INFORM
    assert boot.trace("cache_discarded").fields["cause"] == "registrar.unreachable"
    assert len(boot.informs) == 1
    boot.feed(boot.ack(registrars=[POOL]), after=0.01)
    boot.settle()
    assert isinstance(boot.phone.outcome, Success)
    assert boot.phone.outcome.registrar == f"{POOL}:5061"


def test_ignoring_the_cache_on_request_rediscovers() -> None:
    cache = DiscoveryCache(
        source="signin", web_url=CERT_PROV, registrars=(RegistrarTarget(POOL, 5061),), stored_at=0.0
    )
    boot = Boot(cache=cache, cache_policy=CachePolicy.rediscover())
    assert len(boot.informs) == 1
    assert boot.traces("cache_ignored")


def test_missing_option_43_takes_the_web_services_from_the_dns_registrar() -> None:
    boot = Boot()
    boot.feed(boot.ack(registrars=[POOL], web=None), after=0.01)
    boot.settle()
    decided = boot.trace("decided")
    assert decided.fields["web_source"] == "derived from the DNS registrar"
    assert decided.fields["web_url"] == f"https://{POOL}:443/CertProv/CertProvisioningService.svc"
    assert decided.fields["registrar_source"] == "dhcp option 120"


def test_missing_option_120_takes_the_registrar_from_dns_srv() -> None:
    boot = Boot()
    boot.feed(boot.ack(registrars=None, web=WEB), after=0.01)
    boot.tick(boot.phone.profile.dhcp.answer_window + 0.1)  # DHCP concludes; DNS answers next
    boot.settle()
    decided = boot.trace("decided")
    assert decided.fields["web_url"] == CERT_PROV
    assert decided.fields["registrar_source"] == "dns"
    assert isinstance(boot.phone.outcome, Success)


def test_option_43_without_120_and_no_dns_signs_in_to_web_services_but_not_sip() -> None:
    ntp = f"ntp.{DOMAIN}"  # DNS still names the time server: without it the clock is wrong
    world = World(
        srv={f"_ntp._udp.{DOMAIN}": [SrvRecord(ntp, 123)]},
        a={WEB: ["192.0.2.20"], ntp: ["192.0.2.30"]},
    )
    boot = Boot(world=world)
    boot.feed(boot.ack(registrars=None, web=WEB), after=0.01)
    boot.tick(boot.phone.profile.dhcp.answer_window + 0.1)  # DHCP concludes; DNS answers next
    boot.settle()
    outcome = boot.phone.outcome
    assert isinstance(outcome, Failure) and outcome.reason == "registrar.none_found"
    assert boot.traces("issued", "certprov")  # "the device may successfully authenticate"


def test_silent_dhcp_and_no_dns_fails_discovery_after_the_retransmissions() -> None:
    boot = Boot(world=World(srv={}, a={}))
    boot.settle()
    outcome = boot.phone.outcome
    assert isinstance(outcome, Failure) and outcome.reason == "discovery.no_servers"
    assert len(boot.informs) == len(boot.phone.profile.dhcp.retransmit_after)


def test_inform_is_retransmitted_with_rfc2131_backoff_then_dhcp_gives_up() -> None:
    boot = Boot(world=World(srv={}, a={}))
    boot.settle()
    times = boot.inform_times()
    # 4, 8, 16 s between tries, each +/- 1 s of jitter; gives up 32 +/- 1 s after the last.
    gaps = [b - a for a, b in itertools.pairwise(times)]
    for gap, nominal in zip(gaps, (4, 8, 16), strict=True):
        assert nominal - 1 <= gap <= nominal + 1
    gave_up = boot.trace("gave_up").t
    assert 31 <= gave_up - times[-1] <= 33
    assert len({decode_dhcp_message(i.payload).xid for i in boot.informs}) == 1


def test_a_late_answer_after_a_retransmission_is_still_used() -> None:
    boot = Boot()
    boot.tick(5)  # first INFORM unanswered; the second goes out around t=4
    assert len(boot.informs) == 2
    boot.feed(boot.ack(registrars=[POOL]), after=0.2)
    boot.settle()
    assert isinstance(boot.phone.outcome, Success)


def test_answers_for_another_transaction_are_not_taken() -> None:
    boot = Boot()
    other = Boot(seed=99)
    boot.feed(other.ack(registrars=["evil.contoso.test"]), after=0.01)
    assert boot.traces("answer_not_ours")
    assert not boot.traces("answer_won")


def test_same_seed_gives_the_same_boot() -> None:
    first, second = Boot(seed=5), Boot(seed=5)
    first.settle()
    second.settle()
    assert first.informs[0].payload == second.informs[0].payload
    assert [t.event for t in first.traces()] == [t.event for t in second.traces()]


def test_time_comes_from_the_ntp_srv_record_and_sets_the_phone_clock() -> None:
    """Fidelity row 38: NTP servers from DNS, then time.windows.com."""
    boot = Boot()
    boot.feed(boot.ack(registrars=[POOL]), after=0.01)
    boot.settle()
    synced = boot.trace("synchronized")
    assert synced.fields["server"] == f"ntp.{DOMAIN}"
    # The world's time server runs an hour ahead of WALL_CLOCK: the phone's clock is its.
    assert abs(boot.phone.wall_time(boot.now) - (WALL_CLOCK + 3600)) < 5


def test_option_42_is_preferred_for_time() -> None:
    boot = Boot()
    boot.feed(boot.ack(registrars=[POOL], extra=[(42, bytes([192, 0, 2, 123]))]), after=0.01)
    boot.settle()
    assert boot.trace("query", "time").fields["address"] == "192.0.2.123"


def test_no_time_server_keeps_the_phone_clock_and_goes_on() -> None:
    # A profile that starts from the machine's clock ("host") signs in without NTP.
    profile = load_profile("polycom-cx600")
    profile = replace(profile, time=replace(profile.time, clock_at_power_on="host"))
    world = World()
    world.srv.pop(f"_ntp._udp.{DOMAIN}")
    world.a.pop(f"ntp.{DOMAIN}")
    boot = Boot(world=world, profile=profile)
    boot.feed(boot.ack(registrars=[POOL]), after=0.01)
    boot.settle()
    assert boot.traces("unsynchronized")
    assert isinstance(boot.phone.outcome, Success)


def test_registrar_srv_with_priorities_is_tried_lowest_priority_first() -> None:
    world = World()
    world.srv[f"_sipinternaltls._tcp.{DOMAIN}"] = [
        SrvRecord("pool03.contoso.test", 5061, priority=20),
        SrvRecord("pool02.contoso.test", 5061, priority=10),
    ]
    boot = Boot(world=world)
    boot.feed(boot.ack(registrars=None, web=WEB), after=0.01)
    boot.tick(boot.phone.profile.dhcp.answer_window + 0.1)  # DHCP concludes; DNS answers next
    boot.settle()
    assert boot.of(ConnectRegistrar)[0].host == "pool02.contoso.test"


def test_srv_targets_outside_the_domain_are_refused_under_strict_naming() -> None:
    outside = SrvRecord("pool01.fabrikam.test", 5061)
    world = World()
    world.srv[f"_sipinternaltls._tcp.{DOMAIN}"] = [outside]
    boot = Boot(world=world, profile="polycom-cx600-cu7")  # strict DNS naming came with CU7
    boot.feed(boot.ack(registrars=None, web=WEB), after=0.01)
    boot.settle()
    rejected = boot.trace("srv_target_rejected")
    assert rejected.fields["target"] == "pool01.fabrikam.test"
    assert rejected.fields["domain"] == DOMAIN
    outcome = boot.phone.outcome
    assert isinstance(outcome, Failure) and outcome.reason == "registrar.none_found"


def test_a_profile_without_strict_naming_follows_an_outside_srv_target() -> None:
    profile = load_profile("polycom-cx600")
    profile = replace(profile, dns=replace(profile.dns, strict_srv_target=False))
    world = World()
    world.srv[f"_sipinternaltls._tcp.{DOMAIN}"] = [SrvRecord("pool01.fabrikam.test", 5061)]
    world.a["pool01.fabrikam.test"] = ["192.0.2.40"]
    boot = Boot(world=world, profile=profile)
    boot.feed(boot.ack(registrars=None, web=WEB), after=0.01)
    boot.settle()
    assert boot.traces("srv_target_rejected") == []
    assert boot.of(ConnectRegistrar)[0].host == "pool01.fabrikam.test"


def test_strict_naming_is_off_before_cu7_firmware_and_on_from_4_0_7577_4363() -> None:
    """Fidelity row 35: strict DNS naming from CU7 (4.0.7577.4363)."""
    # Schertz 2013/08: "Any Lync Phone Edition (LPE) firmware version from 4.0.7577.4363
    # and newer" requires SRV targets in the SIP domain's namespace.
    assert load_profile("polycom-cx600").device.firmware == "4.0.7577.4100"
    assert load_profile("polycom-cx600").strict_naming is False
    assert load_profile("aastra-6725ip").strict_naming is False
    assert load_profile("polycom-cx600-cu7").strict_naming is True
    world = World()
    world.srv[f"_sipinternaltls._tcp.{DOMAIN}"] = [SrvRecord("pool01.fabrikam.test", 5061)]
    world.a["pool01.fabrikam.test"] = ["192.0.2.40"]
    old = Boot(world=world)
    old.feed(old.ack(registrars=None, web=WEB), after=0.01)
    old.settle()
    assert old.traces("srv_target_rejected") == []
    assert old.of(ConnectRegistrar)[0].host == "pool01.fabrikam.test"
