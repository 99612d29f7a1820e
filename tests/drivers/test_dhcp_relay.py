"""Relay style: giaddr set and a hop counted; answers taken at the relay port and the client port.

On loopback with unprivileged ports standing for 67 and 68, a server that
answers the relay (as dnsmasq does) and one that answers the client directly
(as Kea and ISC dhcpd do) both reach the phone.
"""

from __future__ import annotations

import asyncio
import socket

from phonesim.codec.dhcp_message import build_inform, decode_dhcp_message
from phonesim.drivers.dhcp_relay import RelayDhcpEndpoint, relayed

INFORM = build_inform(
    xid=0x0A0B0C0D,
    mac="00:04:f2:aa:bb:cc",
    ciaddr="127.0.0.1",
    vendor_class="MS-UC-Client",
    parameter_request_list=[43, 120],
)


def test_relayed_sets_giaddr_and_counts_the_hop_and_nothing_else() -> None:
    message = relayed(INFORM, "198.51.100.1")
    decoded = decode_dhcp_message(message)
    assert decoded.giaddr == "198.51.100.1"
    assert message[3] == INFORM[3] + 1
    assert message[:3] == INFORM[:3] and message[4:24] == INFORM[4:24]
    assert message[28:] == INFORM[28:]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_answers_at_the_relay_port_and_at_the_client_port_both_arrive() -> None:
    async def scenario() -> tuple[list[tuple[int, str]], list[bytes]]:
        loop = asyncio.get_running_loop()
        client_port = _free_port()
        received: list[bytes] = []
        server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        server.bind(("127.0.0.1", 0))
        server.setblocking(False)
        relay = RelayDhcpEndpoint(
            server.getsockname(),
            giaddr="127.0.0.1",
            client_address="127.0.0.1",
            client_port=client_port,
            relay_port=0,
            keep_answers=True,
        )
        await relay.open()
        got: list[tuple[int, str]] = []
        both = asyncio.Event()

        def answer_arrived(payload: bytes, source: str) -> None:
            got.append((len(payload), source))
            if len(got) == 2:
                both.set()

        relay.listen(0x0A0B0C0D, answer_arrived)
        relay.send(INFORM)
        request, relay_address = await loop.sock_recvfrom(server, 2048)
        received.append(request)
        answer = bytes(request[:4]) + request[4:8] + b"\x00" * 300
        await loop.sock_sendto(server, answer, relay_address)  # to the relay, like dnsmasq
        await loop.sock_sendto(server, answer, ("127.0.0.1", client_port))  # to ciaddr, like Kea
        await asyncio.wait_for(both.wait(), timeout=5)
        relay.close()
        server.close()
        return got, received

    got, received = asyncio.run(scenario())
    assert decode_dhcp_message(received[0]).giaddr == "127.0.0.1"
    sources = sorted(source.rsplit(":", 1)[0] for _size, source in got)
    assert sources == ["127.0.0.1", "127.0.0.1"] and len(got) == 2
