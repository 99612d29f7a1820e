"""The socket side of a lab UDP responder (DHCP, time): each datagram's replies go back to
its sender.

A responder decides what to answer (`replies(data)`, each reply with its
delay); this sends them, the delayed ones later, and cancels what is still
pending when the lab stops. It reads through a draining endpoint with an
enlarged buffer, so a storm's requests are handled in bursts, not one per loop
turn, and not dropped while the loop is busy.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Protocol

from phonesim.udp_endpoint import UdpEndpoint


class Reply(Protocol):
    @property
    def delay(self) -> float: ...

    @property
    def payload(self) -> bytes: ...


class ResponderSocket:
    def __init__(self, replies: Callable[[bytes], Sequence[Reply]]) -> None:
        self._replies = replies
        self._endpoint: UdpEndpoint | None = None
        self._pending: set[asyncio.TimerHandle] = set()
        self.port = 0

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        self._endpoint = await UdpEndpoint.open(self._datagram, local=(host, port))
        self.port = self._endpoint.local_address[1]
        return self.port

    def _datagram(self, data: bytes, address: tuple[str, int]) -> None:
        endpoint = self._endpoint
        if endpoint is None:
            return
        for reply in self._replies(data):
            # Loopback lab: the phone listens on an ephemeral port, so answer the sender.
            if reply.delay <= 0:
                endpoint.sendto(reply.payload, address)
                continue
            handle = asyncio.get_running_loop().call_later(
                reply.delay, self._send_later, reply.payload, address
            )
            self._pending.add(handle)

    def _send_later(self, payload: bytes, address: tuple[str, int]) -> None:
        self._pending = {handle for handle in self._pending if not handle.cancelled()}
        if self._endpoint is not None:
            self._endpoint.sendto(payload, address)

    async def close(self) -> None:
        for handle in self._pending:
            handle.cancel()
        self._pending.clear()
        if self._endpoint is not None:
            self._endpoint.close()
            self._endpoint = None
