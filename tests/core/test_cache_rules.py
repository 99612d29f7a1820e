"""The discovery cache's rules, one named test each (fidelity rows 26, 27, 30, 31, 34).

gg398713: the device "Caches the last registered Registrar and Media Relay FQDNs ...
Caches the IP address(es) that the FQDN resolves to ... If you are using DNS load
balancing, this means multiple IP addresses"; it "Initiates discovery ... If the DNS
SRV query and the DHCP options for the Registrar fail ... the device will use the last
[cached values]". Seed 000: the information is needed "the first time the device starts
up, or if the information is not available in the device's cache"; after a successful
sign-in "the previous DHCP/DNS results are cleared ... and the values are stored".
"""

from __future__ import annotations

import json
import random
from dataclasses import replace

from phonesim.codec.provisioning_xml import ProvisionedSettings
from phonesim.core.commands import (
    ConnectRegistrar,
    PersistCache,
    RequestCertificate,
    RequestWebTicket,
    ResolveSrv,
)
from phonesim.core.context import BootContext
from phonesim.core.discovery_cache import CachePolicy, DiscoveryCache, RegistrarTarget
from phonesim.core.identity import NetworkSettings, PhoneIdentity, Pin
from phonesim.core.outcome import Success
from phonesim.core.profile import FALLBACK, CacheBehaviour, DeviceProfile
from phonesim.lab.layout import LabLayout
from phonesim.lab.scenario import load_scenario, load_scenario_text
from phonesim.profiles import load_profile
from phonesim.testing import LabPair

from .world import CERT_PROV, DOMAIN, POOL, WALL_CLOCK, WEB, Boot, World

LOAD_BALANCED = """
[scenario]
summary = "the pool's name resolves to two addresses (DNS load balancing)"

[dns.a]
pool01 = ["127.0.0.1", "127.0.0.9"]
"""

CACHED = DiscoveryCache(
    source="signin",
    web_url=CERT_PROV,
    registrars=(RegistrarTarget(POOL, 5061, "tls", "192.0.2.10"),),
    stored_at=0.0,
    sip_domain="fabrikam.test",
)


def fallback_profile() -> DeviceProfile:
    return replace(load_profile("polycom-cx600"), cache=CacheBehaviour(use=FALLBACK))


def test_the_cache_after_a_sign_in_holds_the_sip_domain_and_every_a_record_of_the_registrar() -> (
    None
):
    """Fidelity row 31: the cache holds the registrar, Media Relay, SIP domain and every A
    record (gg398713)."""
    pair = LabPair(load_scenario_text(LOAD_BALANCED, name="load-balanced", source="test"))
    assert isinstance(pair.run(), Success)
    final = pair.stored[-1]
    assert final is not None and final.source == "signin"
    assert final.sip_domain == "phonesim.test"
    assert sorted(final.registrars[0].addresses) == ["127.0.0.1", "127.0.0.9"]
    again = DiscoveryCache.from_json(json.loads(json.dumps(final.to_json())))
    assert again is not None and again.registrars[0].addresses == final.registrars[0].addresses
    assert again.sip_domain == "phonesim.test"


def test_the_cache_holds_the_media_relay_once_provisioning_gives_it() -> None:
    ctx = BootContext(
        load_profile("polycom-cx600"),
        PhoneIdentity(mac="00:04:f2:00:00:01", sign_in_as="5551234", pin=Pin("13579")),
        NetworkSettings(address="192.0.2.100", dns_domain=DOMAIN),
        rng=random.Random(7),
        wall_clock=0.0,
        cache_policy=CachePolicy.device(),
    )
    ctx.web_url, ctx.sip_uri = CERT_PROV, "sip:alice@contoso.test"
    ctx.provisioned = ProvisionedSettings(
        groups=("ServerConfiguration",),
        pool=POOL,
        backup_pool=None,
        mras_uri="sip:mras.contoso.test@contoso.test;gruu;opaque=srvr:MRAS:x",
        location_profile=None,
        server_configuration={},
        uc_policy={},
    )
    ctx.keep_signed_in(RegistrarTarget(POOL, 5061, "tls", "192.0.2.10"), 0.0)
    stored = [c.cache for c in ctx.out.take() if isinstance(c, PersistCache)]
    assert stored and stored[0] is not None
    assert stored[0].media_relay == "sip:mras.contoso.test@contoso.test;gruu;opaque=srvr:MRAS:x"
    assert stored[0].sip_domain == "contoso.test"


def test_a_registrar_found_through_dns_is_cached_with_source_dns() -> None:
    boot = Boot()
    boot.feed(boot.ack(registrars=None, web=WEB), after=0.01)
    boot.settle()
    sources = [cache.source for cache in boot.caches() if cache is not None]
    assert "dns" in sources
    dns_cache = next(c for c in boot.caches() if c is not None and c.source == "dns")
    assert dns_cache.registrars[0].host == POOL


def test_a_cached_sip_domain_is_where_the_phone_looks_up_its_time_server() -> None:
    world = World()
    world.srv["_ntp._udp.fabrikam.test"] = world.srv[f"_ntp._udp.{DOMAIN}"]
    boot = Boot(cache=CACHED, world=world)
    boot.settle()
    names = [c.name for c in boot.of(ResolveSrv)]
    assert names == ["_ntp._udp.fabrikam.test"]
    assert isinstance(boot.phone.outcome, Success)


def test_the_skip_discovery_cache_use_sends_no_inform_the_fallback_use_discovers_first() -> None:
    assert Boot(cache=CACHED).informs == []  # seed 000, the shipped profiles' choice
    boot = Boot(cache=CACHED, profile=fallback_profile())
    assert len(boot.informs) == 1
    assert boot.trace("cache_held").fields["registrars"] == [f"{POOL}:5061"]
    # The SRV search runs in the SIP domain the cache knows.
    assert boot.of(ResolveSrv)[0].name == "_sipinternaltls._tcp.fabrikam.test"


def test_fallback_use_takes_fresh_discovery_when_it_gives_servers() -> None:
    world = World()
    world.srv["_ntp._udp.fabrikam.test"] = world.srv[f"_ntp._udp.{DOMAIN}"]
    boot = Boot(cache=CACHED, profile=fallback_profile(), world=world)
    boot.feed(boot.ack(registrars=["pool02.contoso.test"]), after=0.01)
    boot.settle()
    assert boot.traces("cache_used") == []
    assert [c.host for c in boot.of(ConnectRegistrar)] == ["pool02.contoso.test"]


def test_fallback_use_takes_the_cache_when_dhcp_and_dns_both_fail() -> None:
    """Fidelity row 30: the cache is a fallback when discovery fails (gg398713)."""
    world = World(srv={f"_ntp._udp.{DOMAIN}": World().srv[f"_ntp._udp.{DOMAIN}"]})
    world.srv["_ntp._udp.fabrikam.test"] = world.srv[f"_ntp._udp.{DOMAIN}"]
    boot = Boot(cache=CACHED, profile=fallback_profile(), world=world)
    boot.settle()  # DHCP silent through every retransmission, no registrar in DNS
    assert len(boot.informs) == 4
    used = boot.trace("cache_used")
    assert "falling back" in used.fields["note"]
    assert [c.host for c in boot.of(ConnectRegistrar)] == [POOL]
    assert isinstance(boot.phone.outcome, Success)


def test_every_address_of_a_load_balanced_registrar_is_tried_before_the_next_registrar() -> None:
    world = World(dead_registrars={"192.0.2.10"})
    world.a[POOL] = ["192.0.2.10", "192.0.2.13"]
    boot = Boot(world=world)
    boot.feed(boot.ack(registrars=[POOL]), after=0.01)
    boot.settle()
    assert [(c.host, c.address) for c in boot.of(ConnectRegistrar)] == [
        (POOL, "192.0.2.10"),
        (POOL, "192.0.2.13"),
    ]
    assert isinstance(boot.phone.outcome, Success)


def test_a_cached_boot_dials_the_kept_addresses_when_dns_has_none() -> None:
    kept = replace(
        CACHED,
        sip_domain=None,
        registrars=(
            RegistrarTarget(POOL, 5061, "tls", "192.0.2.10", ("192.0.2.10", "192.0.2.13")),
        ),
    )
    world = World(dead_registrars={"192.0.2.10"})
    world.a.pop(POOL)
    boot = Boot(cache=kept, world=world)
    boot.settle()
    assert [c.address for c in boot.of(ConnectRegistrar)] == ["192.0.2.10", "192.0.2.13"]
    assert isinstance(boot.phone.outcome, Success)


class KeptCredential:
    """The driver's handle on a kept certificate and key; a registrar stopped at its
    challenge never asks it for a handshake."""

    def handshake(self, tls: object) -> object:
        raise AssertionError("no TLS-DSK handshake in these boots")


def warm(not_after: float) -> DiscoveryCache:
    return replace(
        CACHED,
        sip_domain=DOMAIN,
        sip_uri="sip:alice@contoso.test",
        certificate_not_after=not_after,
        credential=KeptCredential(),  # type: ignore[arg-type]
    )


def test_a_warm_reboot_with_a_valid_kept_certificate_asks_for_no_pin() -> None:
    boot = Boot(cache=warm(WALL_CLOCK + 180 * 86400))
    boot.settle()
    assert boot.of(RequestWebTicket) == [] and boot.of(RequestCertificate) == []
    assert boot.world.seen_pins == []
    assert boot.trace("skipped", "webticket").fields["sip_uri"] == "sip:alice@contoso.test"
    assert boot.of(ConnectRegistrar)[0].sip_uri == "sip:alice@contoso.test"
    assert isinstance(boot.phone.outcome, Success)


def test_an_expired_kept_certificate_means_the_pin_again() -> None:
    boot = Boot(cache=warm(WALL_CLOCK - 86400))
    boot.settle()
    assert boot.trace("cached_certificate_expired", "webticket")
    assert len(boot.of(RequestWebTicket)) == 1 and len(boot.of(RequestCertificate)) == 1
    assert isinstance(boot.phone.outcome, Success)


def test_a_kept_certificate_the_pool_refuses_leads_to_the_pin_again() -> None:
    first = LabPair()
    assert isinstance(first.run(), Success)
    kept = first.stored[-1]
    assert kept is not None and kept.credential is not None
    # A new lab is a pool whose CA changed: it never issued the kept certificate.
    pair = LabPair(cache=kept, foreign_certificate=True)
    assert isinstance(pair.run(), Success)
    events = [t.event for t in pair.traces]
    assert "skipped" in events  # it first tried the kept certificate, without a PIN ...
    refused = next(t for t in pair.traces if t.event == "cached_certificate_refused")
    assert refused.fields["failed_stage"] == "tlsdsk"
    steps = [(t.stage, t.event) for t in pair.traces]
    # ... then, refused at the TLS-DSK sign-in, asked for the PIN (a Web Ticket) after all.
    assert steps.index(("webticket", "cached_certificate_refused")) < steps.index(
        ("webticket", "request")
    )


POOL_FQDN = "pool01.phonesim.test"

BACKUP_POOL = """
[scenario]
summary = "the pool's provisioning answer names pool02 as the backup registrar"

[registrar]
backup_pool = "pool02"
"""

POOL01_GONE = """
[scenario]
summary = "pool01 is gone; its backup pool02 took over at another address"

[lab]
pool_fqdn = "pool02"
"""


def test_row_28_later_registrars_come_from_in_band_provisioning() -> None:
    """Fidelity row 28. gg398713: "From this point, the device uses the Registrar address provided to it by
    using in-band provisioning." The registrars the provisioning answer names are kept
    behind the one that signed the phone in, and a warm reboot turns to them when it is
    gone, before discovery starts afresh (row 29)."""
    first = LabPair(load_scenario_text(BACKUP_POOL, name="backup-pool", source="test"))
    assert isinstance(first.run(), Success)
    kept = first.stored[-1]
    assert kept is not None and kept.source == "signin"
    assert [r.label() for r in kept.registrars] == [
        "pool01.phonesim.test:5061",
        "pool02.phonesim.test:5061",
    ]
    again = DiscoveryCache.from_json(json.loads(json.dumps(kept.to_json())))
    assert again is not None and again.registrars == kept.registrars
    # The next morning pool01's address answers no more; pool02 is at the lab's new one.
    moved = LabLayout(address="127.0.0.5")
    warm = LabPair(
        load_scenario_text(POOL01_GONE, name="pool01-gone", source="test"),
        cache=kept,
        layout=moved,
    )
    outcome = warm.run()
    assert isinstance(outcome, Success), outcome
    assert outcome.registrar == "pool02.phonesim.test:5061"
    connects = [(c.host, c.address) for c in warm.commands if isinstance(c, ConnectRegistrar)]
    assert connects[:2] == [
        ("pool01.phonesim.test", "127.0.0.1"),
        ("pool02.phonesim.test", "127.0.0.5"),
    ]
    events = [t.event for t in warm.traces]
    assert "inform_sent" not in events and "cache_discarded" not in events


def test_dns_load_balancing_scenario_tries_the_next_address_and_caches_both() -> None:
    pair = LabPair(load_scenario("dns-load-balancing"))
    assert isinstance(pair.run(), Success)
    connects = [c.address for c in pair.commands if isinstance(c, ConnectRegistrar)]
    assert connects == ["127.0.0.2", "127.0.0.1"]
    kept = pair.stored[-1]
    assert kept is not None and kept.registrars[0].addresses == ("127.0.0.2", "127.0.0.1")


def test_dhcp_and_dns_down_a_warm_phone_signs_in_from_its_cache_under_either_use() -> None:
    skip = LabPair(load_scenario("dhcp-and-dns-down-warm-cache"))
    assert isinstance(skip.run(), Success)
    skipped = [t.event for t in skip.traces]
    assert "inform_sent" not in skipped and "cache_used" in skipped  # never asks
    fallback = LabPair(load_scenario("dhcp-and-dns-down-warm-cache"), profile=fallback_profile())
    assert isinstance(fallback.run(), Success)
    informs = [t for t in fallback.traces if t.event == "inform_sent"]
    used = next(t for t in fallback.traces if t.event == "cache_used")
    assert len(informs) == 4 and "falling back" in used.fields["note"]
    assert [c.host for c in fallback.commands if isinstance(c, ConnectRegistrar)] == [POOL_FQDN]


def test_row_34_srv_lookups_use_the_sip_domain_once_known() -> None:
    """Fidelity row 34: SRV lookups use the SIP domain (Lync's DNS requirements;
    UP-c8af0c49's `_ntp._udp.<SIP domain>`) once the phone knows it, not the DHCP domain."""
    world = World()
    for name in ("_sipinternaltls._tcp", "_ntp._udp"):
        world.srv[f"{name}.fabrikam.test"] = world.srv[f"{name}.{DOMAIN}"]
    boot = Boot(cache=CACHED, profile=fallback_profile(), world=world)
    boot.feed(boot.ack(registrars=None), after=0.01)
    boot.settle()
    names = [c.name for c in boot.of(ResolveSrv)]
    assert "_sipinternaltls._tcp.fabrikam.test" in names and "_ntp._udp.fabrikam.test" in names
    assert not any(name.endswith(f".{DOMAIN}") for name in names), names
    assert isinstance(boot.phone.outcome, Success)
