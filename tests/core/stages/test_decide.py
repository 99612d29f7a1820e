"""The discovery decision as a pure function of what DHCP and DNS found: each rule alone."""

from __future__ import annotations

from dataclasses import replace

from phonesim.codec.ms_uc_client_option import decode_ms_uc_client_option
from phonesim.core.discovery_cache import RegistrarTarget
from phonesim.core.stages.decide import decide, waits_for_dns
from phonesim.core.stages.dhcp_answer import DhcpAnswer
from phonesim.profiles import load_profile

PROFILE = load_profile("polycom-cx600")
CERT_PROV = "https://web01.contoso.test:443/CertProv/CertProvisioningService.svc"
DNS_POOL = RegistrarTarget("pool09.contoso.test", 5061, "tls")


def answer(registrars: tuple[str, ...] = (), url: str | None = None) -> DhcpAnswer:
    found = DhcpAnswer("192.0.2.5")
    found.registrars = registrars
    found.url = url
    return found


def test_the_dhcp_answer_with_an_fqdn_gives_registrars_and_web_services() -> None:
    winner = answer(("pool01.contoso.test",), CERT_PROV)
    assert waits_for_dns(winner, winner, PROFILE) is None
    decision = decide(winner, winner, [DNS_POOL], PROFILE)
    assert decision.web_url == CERT_PROV and decision.web_source == "dhcp option 43"
    assert decision.registrars == (RegistrarTarget("pool01.contoso.test", 5061, "tls"),)
    assert decision.registrar_source == "dhcp option 120"  # DHCP wins: DNS's pool is not added


def test_dns_registrars_come_after_dhcp_s_only_when_the_profile_says_so() -> None:
    profile = replace(PROFILE, dns=replace(PROFILE.dns, dns_after_dhcp_registrars=True))
    winner = answer(("pool01.contoso.test",), CERT_PROV)
    assert waits_for_dns(winner, winner, profile) == "DNS registrars are tried too"
    decision = decide(winner, winner, [DNS_POOL], profile)
    assert [r.host for r in decision.registrars] == ["pool01.contoso.test", DNS_POOL.host]
    assert decision.registrar_source == "dhcp option 120 then dns"


def test_without_option_43_the_web_services_live_on_the_dns_registrar_first() -> None:
    winner = answer(("pool01.contoso.test",))
    assert waits_for_dns(winner, winner, PROFILE) == "DHCP gave no web services URL (option 43)"
    from_dns = decide(winner, winner, [DNS_POOL], PROFILE)
    assert (
        from_dns.web_url == "https://pool09.contoso.test:443/CertProv/CertProvisioningService.svc"
    )
    assert from_dns.web_source == "derived from the DNS registrar"
    from_120 = decide(winner, winner, [], PROFILE)
    assert from_120.web_url == (
        "https://pool01.contoso.test:443/CertProv/CertProvisioningService.svc"
    )
    assert from_120.web_source == "derived from the option 120 registrar"


def test_an_unusable_option_43_is_said_so_in_the_web_source() -> None:
    cut = answer(("pool01.contoso.test",))
    cut.uc_option = decode_ms_uc_client_option(bytes.fromhex("0101"))  # sub-option 1, cut short
    decision = decide(cut, cut, [DNS_POOL], PROFILE)
    assert decision.web_source == "derived from the DNS registrar (option 43 present but unusable)"


def test_an_answer_without_fqdn_lends_its_url_but_no_registrar() -> None:
    first = answer((), CERT_PROV)
    assert waits_for_dns(None, first, PROFILE) == "DHCP gave no registrar FQDN (option 120)"
    decision = decide(None, first, [DNS_POOL], PROFILE)
    assert (decision.web_url, decision.registrar_source) == (CERT_PROV, "dns")
    assert decision.registrars == (DNS_POOL,)


def test_nothing_from_either_side_decides_nothing() -> None:
    why = waits_for_dns(None, None, PROFILE)
    assert why == "DHCP gave no web services URL (option 43) and no registrar FQDN (option 120)"
    decision = decide(None, None, [], PROFILE)
    assert decision.web_url is None and decision.registrars == ()
    assert decision.registrar_source == "none"
