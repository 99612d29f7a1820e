"""One request, one UDP answer, with a deadline: what SNTP needs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class _OneAnswer(asyncio.DatagramProtocol):
    def __init__(self, accept: Callable[[bytes], bool]) -> None:
        self.answer: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._accept = accept

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if not self.answer.done() and self._accept(data):
            self.answer.set_result(data)

    def error_received(self, exc: Exception) -> None:
        if not self.answer.done():
            self.answer.set_exception(exc)


async def exchange(
    payload: bytes, address: str, port: int, timeout: float, accept: Callable[[bytes], bool]
) -> bytes:
    """Send `payload` and wait for the first datagram `accept` likes; TimeoutError after `timeout`."""
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(
        lambda: _OneAnswer(accept), remote_addr=(address, port)
    )
    try:
        transport.sendto(payload)
        return await asyncio.wait_for(protocol.answer, timeout)
    finally:
        transport.close()
