"""Which transport a boot gets, and that nothing is broadcast without a named interface."""

from __future__ import annotations

import asyncio

import pytest

from phonesim.app.boot import boot_phone
from phonesim.drivers.dhcp_endpoint import DhcpClientEndpoint
from phonesim.drivers.dhcp_transport import DhcpPlacement, open_dhcp_transport
from phonesim.drivers.network import Network
from phonesim.errors import UsageError
from phonesim.profiles import load_profile


def test_a_broadcast_without_an_interface_is_refused() -> None:
    placement = DhcpPlacement(
        server=("255.255.255.255", 67),
        local=("", 68),
        phone_address="192.0.2.20",
        phone_mac="00:04:f2:aa:bb:cc",
    )
    with pytest.raises(UsageError, match="--iface"):
        asyncio.run(open_dhcp_transport(placement))


def test_boot_refuses_a_broadcast_network_without_interface() -> None:
    network = Network(
        dhcp_server=("255.255.255.255", 67),
        dns_server=("127.0.0.1", 53),
        address="127.0.0.1",
        domain="phonesim.test",
    )
    with pytest.raises(UsageError, match="--iface"):
        asyncio.run(
            boot_phone(
                profile=load_profile("polycom-cx600"),
                sign_in_as="5551234",
                pin="13579",
                network=network,
            )
        )


def test_the_lab_gets_a_plain_udp_endpoint_on_an_unprivileged_port() -> None:
    async def scenario() -> tuple[type[DhcpClientEndpoint], int]:
        placement = DhcpPlacement(
            server=("127.0.0.1", 40067),
            local=("127.0.0.1", 0),
            phone_address="127.0.0.1",
            phone_mac="00:04:f2:aa:bb:cc",
        )
        endpoint = await open_dhcp_transport(placement)
        port = endpoint.local_address[1]
        endpoint.close()
        return type(endpoint), port

    kind, port = asyncio.run(scenario())
    assert kind is DhcpClientEndpoint and port >= 1024
