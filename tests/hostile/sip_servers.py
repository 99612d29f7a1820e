"""A registrar (SIP over TLS, certificate from the lab's CA) that answers the REGISTER
with whatever bytes a case gives, then closes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from phonesim.lab.embedded_lab import EmbeddedLab
from tests.hostile.hostile_lab import Rewire, lab_tls


def registrar(
    reply: bytes, *, linger: float = 0.5
) -> Callable[[EmbeddedLab], Awaitable[tuple[Rewire, Callable[[], Awaitable[None]]]]]:
    async def serve(lab: EmbeddedLab) -> tuple[Rewire, Callable[[], Awaitable[None]]]:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.IncompleteReadError):
                await reader.readuntil(b"\r\n\r\n")
                writer.write(reply)
                await writer.drain()
                await asyncio.sleep(linger)
            writer.close()

        server = await asyncio.start_server(
            answer, "127.0.0.1", 0, ssl=lab_tls(lab, "pool01.phonesim.test")
        )

        def rewire(endpoints: dict) -> None:
            endpoints["port_map"]["5061"] = server.sockets[0].getsockname()[1]

        async def stop() -> None:
            server.close()

        return rewire, stop

    return serve
