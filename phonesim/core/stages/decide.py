"""The discovery decision: what DHCP and DNS said, combined by the device's rules.

Pure functions of what the two searches found and the profile, so each rule
can be read, and tested, on its own:

* the first DHCP answer carrying an FQDN gives the registrars (option 120) and,
  with a usable option 43, the web services URL;
* with no FQDN from DHCP, the registrars come from DNS; DNS registrars are
  added after DHCP's only if the profile says so (the seed says DHCP wins);
* with no usable option 43, the web services are taken to live on the
  registrar pool (DHCPUtil defaults the web FQDN to the SIP server), found
  through DNS first, else through option 120.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from phonesim.core.discovery_cache import FROM_OPTION_120, RegistrarTarget
from phonesim.core.profile import DeviceProfile
from phonesim.core.stages.dhcp_answer import DhcpAnswer
from phonesim.core.stages.registrar_order import ordered_candidates

KNOWN_DOMAIN_SOURCE = "dns and dhcp in gg398713's order"
"""The registrar source once the SIP domain is known."""
FROM_DNS = "dns"
"""The registrar source when DNS alone gave the registrars (DHCP gave no FQDN)."""


@dataclass(frozen=True, slots=True)
class Decision:
    web_url: str | None
    web_source: str
    registrars: tuple[RegistrarTarget, ...]
    registrar_source: str
    web_derived: bool = False
    """The web services URL is a guess from a registrar's name, not option 43's."""


def dhcp_registrars(winner: DhcpAnswer | None, profile: DeviceProfile) -> list[RegistrarTarget]:
    return [
        RegistrarTarget(host=name, port=profile.sip.port, transport="tls", origin=FROM_OPTION_120)
        for name in (winner.registrars if winner else ())
    ]


def waits_for_dns(
    winner: DhcpAnswer | None, chosen: DhcpAnswer | None, profile: DeviceProfile
) -> str | None:
    """Why the decision needs DNS's answer (None when DHCP's is enough)."""
    url = chosen.url if chosen is not None else None
    registrars = dhcp_registrars(winner, profile)
    if registrars and url and not profile.dns.dns_after_dhcp_registrars:
        return None
    missing = []
    if not url:
        missing.append("web services URL (option 43)")
    if not registrars:
        missing.append("registrar FQDN (option 120)")
    return "DHCP gave no " + " and no ".join(missing) if missing else "DNS registrars are tried too"


def decide(
    winner: DhcpAnswer | None,
    chosen: DhcpAnswer | None,
    dns_registrars: Sequence[RegistrarTarget],
    profile: DeviceProfile,
    by_service: Mapping[str, Sequence[RegistrarTarget]] | None = None,
) -> Decision:
    """`winner`: the first DHCP answer with an FQDN; `chosen`: it, else the first answer;
    `by_service`: what each SRV service gave when the SIP domain is known (gg398713's
    order), None at bootstrap (seed 000's: DHCP first)."""
    from_dhcp = dhcp_registrars(winner, profile)
    if by_service is not None:
        registrars = list(
            ordered_candidates(
                profile.dns.known_domain_order, winner.registrars if winner else (), by_service
            )
        )
        registrar_source = KNOWN_DOMAIN_SOURCE if registrars else "none"
    elif from_dhcp:
        registrars = list(from_dhcp)
        registrar_source = "dhcp option 120"
        if profile.dns.dns_after_dhcp_registrars:
            registrars += [r for r in dns_registrars if r not in registrars]
            registrar_source += " then dns"
    else:
        registrars = list(dns_registrars)
        registrar_source = FROM_DNS if registrars else "none"

    dhcp_url = chosen.url if chosen is not None else None
    if dhcp_url:
        return Decision(dhcp_url, "dhcp option 43", tuple(registrars), registrar_source)
    base = dns_registrars[0].host if dns_registrars else None
    web_source = "derived from the DNS registrar"
    if base is None and from_dhcp:
        base = from_dhcp[0].host
        web_source = "derived from the option 120 registrar"
    web_url = f"https://{base}:443{profile.web.fallback_cert_prov_path}" if base else None
    if chosen is not None and chosen.uc_option is not None:
        web_source += " (option 43 present but unusable)"
    return Decision(
        web_url, web_source, tuple(registrars), registrar_source, web_derived=web_url is not None
    )


__all__ = [
    "FROM_DNS",
    "KNOWN_DOMAIN_SOURCE",
    "Decision",
    "decide",
    "dhcp_registrars",
    "waits_for_dns",
]
