"""The registrar order, one named test each (fidelity rows 32 and 33; fidelity §2(b)).

gg398713: "1 Internal DNS SRV (TLS) 2 DHCP address (TLS) 3 Internal DNS SRV (TCP) 4
DHCP address (TCP) 5 External DNS (TLS) 6 External DNS (TCP)", and "If this is the
first time the device is trying to connect (for example, during bootstrapping), no DNS
values are available yet". Seed 000: the first DHCP answer with an FQDN wins; DNS is the
failover. The order follows whether the phone knows its SIP domain.
"""

from __future__ import annotations

from dataclasses import replace

from phonesim.core.commands import ConnectRegistrar
from phonesim.core.discovery_cache import DiscoveryCache, RegistrarTarget
from phonesim.core.events import SrvRecord
from phonesim.core.outcome import Success
from phonesim.core.profile import FALLBACK, CacheBehaviour
from phonesim.profiles import load_profile

from .world import CERT_PROV, DOMAIN, POOL, WEB, Boot, World

KNOWS_ITS_DOMAIN = DiscoveryCache(
    source="signin",
    web_url=CERT_PROV,
    registrars=(RegistrarTarget("old-pool.contoso.test", 5061, "tls", "192.0.2.99"),),
    stored_at=0.0,
    sip_domain=DOMAIN,
)


def test_with_a_known_sip_domain_the_registrars_follow_gg398713s_six_steps() -> None:
    """Fidelity row 32: registrar order: gg398713's six steps."""
    world = World(dead_registrars={POOL, "pool02.contoso.test", "pool03.contoso.test"})
    world.dead_registrars.add("pool04.contoso.test")
    world.srv[f"_sipinternal._tcp.{DOMAIN}"] = [SrvRecord("pool03.contoso.test", 5060)]
    world.srv[f"_sip._tls.{DOMAIN}"] = [SrvRecord("pool04.contoso.test", 443)]
    world.srv[f"_sip._tcp.{DOMAIN}"] = [SrvRecord("pool05.contoso.test", 5060)]
    world.a["pool04.contoso.test"] = ["192.0.2.14"]
    world.a["pool05.contoso.test"] = ["192.0.2.15"]
    profile = replace(load_profile("polycom-cx600"), cache=CacheBehaviour(use=FALLBACK))
    boot = Boot(cache=KNOWS_ITS_DOMAIN, profile=profile, world=world)
    boot.feed(boot.ack(registrars=["pool02.contoso.test"]), after=0.01)
    boot.settle()
    tried = [(c.host, c.port, c.transport) for c in boot.of(ConnectRegistrar)]
    assert tried == [
        (POOL, 5061, "tls"),  # 1 internal DNS SRV (TLS)
        ("pool02.contoso.test", 5061, "tls"),  # 2 DHCP (TLS)
        ("pool03.contoso.test", 5060, "tcp"),  # 3 internal DNS SRV (TCP)
        ("pool02.contoso.test", 5060, "tcp"),  # 4 DHCP (TCP)
        ("pool04.contoso.test", 443, "tls"),  # 5 external DNS (TLS)
        ("pool05.contoso.test", 5060, "tcp"),  # 6 external DNS (TCP)
    ]
    assert isinstance(boot.phone.outcome, Success)


def test_at_bootstrap_the_first_dhcp_fqdn_comes_before_dns() -> None:
    """Fidelity row 33: no DNS values at bootstrap."""
    boot = Boot()  # no cache: the SIP domain is not known yet
    boot.feed(boot.ack(registrars=["pool02.contoso.test"]), after=0.01)
    boot.settle()
    assert [c.host for c in boot.of(ConnectRegistrar)] == ["pool02.contoso.test"]
    assert boot.trace("decided").fields["registrar_source"] == "dhcp option 120"


def test_a_dead_srv_target_leads_to_the_next_record_of_the_same_name() -> None:
    world = World(dead_registrars={POOL})
    world.srv[f"_sipinternaltls._tcp.{DOMAIN}"] = [
        SrvRecord(POOL, 5061, priority=10),
        SrvRecord("pool02.contoso.test", 5061, priority=20),
    ]
    boot = Boot(world=world)
    boot.feed(boot.ack(registrars=None, web=WEB), after=0.01)
    boot.settle()
    assert [c.host for c in boot.of(ConnectRegistrar)] == [POOL, "pool02.contoso.test"]
    assert isinstance(boot.phone.outcome, Success)


def test_the_known_domain_order_is_profile_data() -> None:
    profile = load_profile("polycom-cx600")
    assert profile.dns.known_domain_order[:2] == ("srv_internal_tls", "dhcp_tls")
    only_dhcp = replace(profile, dns=replace(profile.dns, known_domain_order=("dhcp_tls",)))
    profile = replace(only_dhcp, cache=CacheBehaviour(use=FALLBACK))
    boot = Boot(cache=KNOWS_ITS_DOMAIN, profile=profile)
    boot.feed(boot.ack(registrars=["pool02.contoso.test"]), after=0.01)
    boot.settle()
    assert [c.host for c in boot.of(ConnectRegistrar)] == ["pool02.contoso.test"]
