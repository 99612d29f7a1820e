"""The lab's SNTP server; its clock can be set off on purpose to reproduce a phone with a wrong time."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from phonesim.codec.ntp import build_time_response, is_time_request


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, server: LabTimeServer) -> None:
        self._server = server
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if self.transport is not None and is_time_request(data):
            self._server.counts["answered"] += 1
            self.transport.sendto(
                build_time_response(data, time.time() + self._server.offset), addr
            )


class LabTimeServer:
    def __init__(self, offset: float = 0.0) -> None:
        self.offset = offset
        self.counts: Counter[str] = Counter()
        self._transport: asyncio.DatagramTransport | None = None
        self.port = 0

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        loop = asyncio.get_running_loop()
        self._transport, _ = await loop.create_datagram_endpoint(
            lambda: _Protocol(self), local_addr=(host, port)
        )
        self.port = self._transport.get_extra_info("sockname")[1]

    async def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
