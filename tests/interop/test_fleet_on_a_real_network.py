"""A fleet of phones, each with its own MAC, broadcasting on a real interface to real servers.

Kea answers the frame's source MAC without ARP, dnsmasq the phones' address
(the interface's MAC): the fleet's packet socket must see both, and route
every answer to its phone by xid and MAC.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from phonesim.drivers.network import Network
from phonesim.fleet.fleet_run import FleetPlan, FleetRun
from phonesim.fleet.identities import ProfileMix, generated_identities
from phonesim.fleet.load_shape import LoadShape
from tests.interop.servers import dhcp_config, server_log, start_dhcp_server, wait_for_dhcp
from tests.interop.test_dhcp_servers import short_window_profile
from tests.netns import namespace, require_netns

pytestmark = pytest.mark.netns

PHONES = 60


@pytest.mark.parametrize("kind", ["kea", "dnsmasq"])
def test_every_phone_of_a_fleet_gets_its_answer(kind: str, tmp_path: Path) -> None:
    require_netns("kea-dhcp4" if kind == "kea" else "dnsmasq")
    profile = short_window_profile()
    phones = generated_identities(
        PHONES, ProfileMix.parse("polycom-cx600"), {"polycom-cx600": "00:04:f2"}, seed=8
    )

    async def scenario() -> FleetRun:
        with namespace("fleet") as ns:
            config = dhcp_config(
                kind,
                tmp_path / f"{kind}.conf",
                sip_servers=["pool01.phonesim.test"],
                web_server="web01.phonesim.test",
                ns=ns,
            )
            process = start_dhcp_server(kind, ns, config, tmp_path)
            try:
                await asyncio.to_thread(wait_for_dhcp, ns, [ns.address], [process])
            except AssertionError as error:
                raise AssertionError(f"{error}\n{server_log(tmp_path)}") from None
            network = Network(
                dhcp_server=("255.255.255.255", 67),
                dns_server=(ns.segment.server_address, 53),
                address=ns.segment.host_address,
                domain="phonesim.test",
                local_dhcp=("", 68),
                interface=ns.host_link,
            )
            fleet = FleetRun(
                FleetPlan(
                    phones,
                    {"polycom-cx600": profile},
                    LoadShape(phones=PHONES, rate=200.0),
                    final_stage="dhcp",
                    key_pool=1,
                ),
                network,
            )
            await fleet.run()
            return fleet

    fleet = asyncio.run(scenario())
    assert dict(fleet.statistics.outcomes) == {"success": PHONES}, server_log(tmp_path)
    assert len(fleet.statistics.latencies["dhcp"]) == PHONES
