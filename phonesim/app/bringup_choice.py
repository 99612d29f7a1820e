"""Which bring-up stages a boot against the embedded lab plays, and the link it plays them on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from phonesim.core.bringup import bringup_stages
from phonesim.core.identity import default_mac, normalise_mac
from phonesim.core.profile import DeviceProfile
from phonesim.core.stage import Stage
from phonesim.drivers.network import Network

if TYPE_CHECKING:
    from phonesim.app.lab_link import LabLink
    from phonesim.lab.embedded_lab import EmbeddedLab
    from phonesim.lab.scenario import LabScenario


def lab_bringup(scenario: LabScenario | None, profile: DeviceProfile) -> frozenset[Stage]:
    """The lab plays the profile's bring-up where its scenario has a site DHCP server or a
    switch that speaks LLDP-MED; a lab of the pool alone has nothing to bring up on."""
    if scenario is None or (scenario.enterprise_dhcp is None and scenario.lldp is None):
        return frozenset()
    return bringup_stages(profile)


def lab_link(lab: EmbeddedLab, network: Network, boot: Mapping[str, Any]) -> LabLink:
    """The loopback lab's link for the phone `boot` (boot_phone's arguments) describes."""
    from phonesim.app.lab_link import LabLink

    given = boot.get("mac")
    mac = normalise_mac(given) if given else default_mac(boot["profile"], boot["sign_in_as"])
    return LabLink(
        mac=mac,
        lab_dns=network.dns_server,
        lldp=lab.scenario.lldp,
        site_dhcp=lab.dhcp.enterprise if lab.dhcp is not None else None,
    )


__all__ = ["lab_bringup", "lab_link"]
