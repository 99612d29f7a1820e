"""A DHCP server in place of the lab's: `respond(send, inform)` for every DHCPINFORM."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from phonesim.codec.dhcp_message import build_ack, decode_dhcp_message
from phonesim.codec.sip_server_option import encode_sip_server_names
from phonesim.lab.embedded_lab import EmbeddedLab
from tests.hostile.hostile_lab import Rewire

Send = Callable[[bytes], None]
Respond = Callable[[Send, bytes], Awaitable[None]]


def option_43(fqdn: bytes = b"web01.phonesim.test") -> bytes:
    parts = [
        (1, b"MS-UC-Client"),
        (2, b"https"),
        (3, fqdn),
        (4, b"443"),
        (5, b"/CertProv/CertProvisioningService.svc"),
    ]
    return b"".join(bytes((code, len(text))) + text for code, text in parts)


def good_ack(inform: bytes) -> bytes:
    """What the lab would answer: option 120 = the pool, option 43 = its web services."""
    options = [(120, encode_sip_server_names(["pool01.phonesim.test"])), (43, option_43())]
    return build_ack(request=decode_dhcp_message(inform), server_id="127.0.0.1", options=options)


class _Server(asyncio.DatagramProtocol):
    def __init__(self, respond: Respond) -> None:
        self.respond = respond
        self.transport: Any = None
        self.tasks: set[asyncio.Task[None]] = set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, peer: tuple[str, int]) -> None:
        task = asyncio.ensure_future(
            self.respond(lambda payload: self.transport.sendto(payload, peer), data)
        )
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)


def dhcp_server(
    respond: Respond,
) -> Callable[[EmbeddedLab], Awaitable[tuple[Rewire, Callable[[], Awaitable[None]]]]]:
    async def serve(lab: EmbeddedLab) -> tuple[Rewire, Callable[[], Awaitable[None]]]:
        server = _Server(respond)
        transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            lambda: server, local_addr=("127.0.0.1", 0)
        )

        def rewire(endpoints: dict) -> None:
            endpoints["dhcp_port"] = transport.get_extra_info("sockname")[1]

        async def stop() -> None:
            for task in list(server.tasks):
                task.cancel()
            transport.close()

        return rewire, stop

    return serve
