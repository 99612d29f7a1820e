"""A DNS server in front of the lab's: each query passed on, its answer changed by `bend`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from phonesim.lab.embedded_lab import EmbeddedLab
from tests.hostile.hostile_lab import Rewire

Bend = Callable[[bytes], list[bytes]]
"""The lab's answer to one query, as the hostile server sends it back (any number)."""


class _Relay(asyncio.DatagramProtocol):
    def __init__(self, lab_port: int, bend: Bend) -> None:
        self.lab = ("127.0.0.1", lab_port)
        self.bend = bend
        self.transport: Any = None
        self.relays: set[asyncio.Task[None]] = set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, peer: tuple[str, int]) -> None:
        relay = asyncio.ensure_future(self._relay(data, peer))
        self.relays.add(relay)
        relay.add_done_callback(self.relays.discard)

    async def _relay(self, query: bytes, peer: tuple[str, int]) -> None:
        loop = asyncio.get_running_loop()
        answered: asyncio.Future[bytes] = loop.create_future()

        class _Ask(asyncio.DatagramProtocol):
            def datagram_received(self, data: bytes, _: tuple[str, int]) -> None:
                if not answered.done():
                    answered.set_result(data)

        asker, _ = await loop.create_datagram_endpoint(_Ask, remote_addr=self.lab)
        try:
            asker.sendto(query)
            answer = await asyncio.wait_for(answered, 2.0)
        except TimeoutError:
            return
        finally:
            asker.close()
        assert self.transport is not None
        for datagram in self.bend(answer):
            self.transport.sendto(datagram, peer)


def dns_server(
    bend: Bend,
) -> Callable[[EmbeddedLab], Awaitable[tuple[Rewire, Callable[[], Awaitable[None]]]]]:
    async def serve(lab: EmbeddedLab) -> tuple[Rewire, Callable[[], Awaitable[None]]]:
        transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            lambda: _Relay(lab.endpoints.dns_port, bend), local_addr=("127.0.0.1", 0)
        )

        def rewire(endpoints: dict) -> None:
            endpoints["dns_port"] = transport.get_extra_info("sockname")[1]

        async def stop() -> None:
            transport.close()

        return rewire, stop

    return serve
