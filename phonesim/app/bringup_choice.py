"""Which bring-up stages a boot plays, and the link it plays them on: the embedded lab's
(its switch and site DHCP) or a named interface's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from phonesim.core.bringup import bringup_stages
from phonesim.core.identity import default_mac, normalise_mac
from phonesim.core.profile import DeviceProfile
from phonesim.core.stage import Stage
from phonesim.drivers.network import Network
from phonesim.errors import UsageError

if TYPE_CHECKING:
    from phonesim.app.lab_link import LabLink
    from phonesim.drivers.bringup_link import BringUpLink
    from phonesim.drivers.dhcp_endpoint import DhcpClientEndpoint
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


def check_lease_is_played(
    final_stage: str,
    bringup: frozenset[Stage] | None,
    servers: object,
    profile: DeviceProfile,
) -> None:
    """`--stop-after lease` means something only for a phone that takes its own lease."""
    from phonesim.app.targets import LabTarget

    if final_stage != Stage.LEASE:
        return
    played = bringup
    if played is None and isinstance(servers, LabTarget):
        played = lab_bringup(servers.scenario, profile)
    if not played or Stage.LEASE not in played:
        raise UsageError(
            "--stop-after lease: this boot takes no lease of its own; give --iface "
            "without --no-bring-up or --no-lease (a real network) or a lab scenario with a site DHCP server (e.g. vlan-from-dhcp)"
        )


def live_link(network: Network, dhcp: DhcpClientEndpoint, resolver: Any) -> BringUpLink:
    """The named interface's link: LLDP-MED heard there; a VLAN the switch or DHCP names is
    joined through a user-space 802.1Q bridge (a TAP with the phone's MAC), since these
    kernels have none of their own."""
    from phonesim.drivers.dhcp_packet_socket import PacketSocketDhcpEndpoint
    from phonesim.drivers.live_link import LiveLink
    from phonesim.drivers.vlan_bridge_opener import BridgedVlans

    assert network.interface is not None and isinstance(dhcp, PacketSocketDhcpEndpoint)
    return LiveLink(
        network.interface,
        dhcp=dhcp,
        resolver=resolver,
        vlans=BridgedVlans(dhcp.phone_mac or dhcp.interface_mac),
        keep_user_dns=network.dns_source == "user",
    )


__all__ = ["check_lease_is_played", "lab_bringup", "lab_link", "live_link"]
