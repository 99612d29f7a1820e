"""The phrases `discovery.decided` uses for where the phone's servers came from, read in one
place.

The phone writes `web_source` and `registrar_source` as short phrases for people
("dhcp option 43", "derived from the DNS registrar (option 43 present but
unusable)"). Readers that act on the source (result.json's DiscoverySource, the
DHCP answer table, replay) ask here, so the phrases are matched once, and a test
holds every phrase in the goldens to this list: a phrase reworded in the core
fails that test instead of changing a report.
"""

from __future__ import annotations

from typing import Any

DHCP = "dhcp"
DNS = "dns"

WEB_FROM_OPTION_43 = "dhcp option 43"
WEB_DERIVED_FROM_DNS = "derived from the DNS registrar"
WEB_DERIVED_FROM_OPTION_120 = "derived from the option 120 registrar"
OPTION_43_UNUSABLE = " (option 43 present but unusable)"
"""Added to a derived web source when the chosen answer carried an option 43 it could not use."""
REGISTRARS_FROM_OPTION_120 = "dhcp option 120"
REGISTRARS_FROM_OPTION_120_THEN_DNS = "dhcp option 120 then dns"
REGISTRARS_FROM_DNS = "dns"
NOTHING_FOUND = "none"
FROM_CACHE = "cache"

ORIGINS: dict[str, frozenset[str]] = {
    WEB_FROM_OPTION_43: frozenset({DHCP}),
    WEB_DERIVED_FROM_DNS: frozenset({DNS}),
    WEB_DERIVED_FROM_OPTION_120: frozenset({DHCP}),
    REGISTRARS_FROM_OPTION_120: frozenset({DHCP}),
    REGISTRARS_FROM_OPTION_120_THEN_DNS: frozenset({DHCP, DNS}),
    REGISTRARS_FROM_DNS: frozenset({DNS}),
    NOTHING_FOUND: frozenset(),
    FROM_CACHE: frozenset(),
}
"""Every phrase the phone writes (without the parenthesis), and what it drew on."""


def phrase(source: Any) -> str:
    """The phrase without what a parenthesis adds (`OPTION_43_UNUSABLE`)."""
    return str(source or "").split(" (")[0]


def origins(source: Any) -> frozenset[str]:
    """DHCP, DNS, both or neither: what a source phrase drew on (nothing, for a phrase this
    list does not know)."""
    return ORIGINS.get(phrase(source), frozenset())


def web_from_option_43(web_source: Any) -> bool:
    return phrase(web_source) == WEB_FROM_OPTION_43


def web_derived(web_source: Any) -> bool:
    """The web services URL was guessed from a registrar's name (no usable option 43)."""
    return phrase(web_source) in (WEB_DERIVED_FROM_DNS, WEB_DERIVED_FROM_OPTION_120)


def web_from_dns(web_source: Any) -> bool:
    return phrase(web_source) == WEB_DERIVED_FROM_DNS


__all__ = [
    "DHCP",
    "DNS",
    "ORIGINS",
    "origins",
    "phrase",
    "web_derived",
    "web_from_dns",
    "web_from_option_43",
]
