"""Which bring-up stages a boot plays, and what the phone knows of its network at power-on.

A phone that takes its own lease powers on knowing nothing of the network but what the
user told it (`--domain`, `--dns`): the laptop's resolv.conf and the lab's own settings
are the laptop's, not the phone's. A boot without a lease keeps today's settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from phonesim.core.bringup import bringup_stages
from phonesim.core.identity import NetworkSettings, default_mac, normalise_mac
from phonesim.core.profile import DeviceProfile
from phonesim.core.stage import Stage
from phonesim.drivers.network import Network

if TYPE_CHECKING:
    from phonesim.lab.embedded_lab import EmbeddedLab
    from phonesim.lab.lab_link import LabLink
    from phonesim.lab.scenario import LabScenario

USER = "user"


def lab_bringup(scenario: LabScenario | None, profile: DeviceProfile) -> frozenset[Stage]:
    """The lab plays the profile's bring-up where its scenario has a site DHCP server or a
    switch that speaks LLDP-MED; a lab of the pool alone has nothing to bring up on."""
    if scenario is None or (scenario.enterprise_dhcp is None and scenario.lldp is None):
        return frozenset()
    return bringup_stages(profile)


def phone_settings(network: Network, bringup: frozenset[Stage]) -> NetworkSettings:
    if Stage.LEASE not in bringup:
        return NetworkSettings(
            address=network.address,
            dns_domain=network.domain,
            domain_source=network.domain_source,
            dns_servers=(network.dns_server[0],),
            dns_source=network.dns_source,
        )
    user_domain = network.domain_source == USER and bool(network.domain)
    user_dns = network.dns_source == USER
    return NetworkSettings(
        address="0.0.0.0",
        dns_domain=network.domain if user_domain else "",
        domain_source=USER if user_domain else "",
        dns_servers=(network.dns_server[0],) if user_dns else (),
        dns_source=USER if user_dns else "",
    )


def lab_link(lab: EmbeddedLab, network: Network, boot: Mapping[str, Any]) -> LabLink:
    """The loopback lab's link for the phone `boot` (boot_phone's arguments) describes."""
    from phonesim.lab.lab_link import LabLink

    given = boot.get("mac")
    mac = normalise_mac(given) if given else default_mac(boot["profile"], boot["sign_in_as"])
    return LabLink(
        mac=mac,
        lab_dns=network.dns_server,
        lldp=lab.scenario.lldp,
        site_dhcp=lab.dhcp.enterprise if lab.dhcp is not None else None,
    )


__all__ = ["lab_bringup", "lab_link", "phone_settings"]
