"""The lab's SNTP server; its clock can be set off on purpose to reproduce a phone with a wrong time.

A fleet's phones ask for the time within moments of each other: the server
reads through the same draining socket, with the same enlarged buffer, as
the lab's DHCP and DNS servers, so a burst is answered, not dropped.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from phonesim.codec.ntp import build_time_response, is_time_request
from phonesim.lab.responder_socket import ResponderSocket


@dataclass(frozen=True, slots=True)
class _Answer:
    payload: bytes
    delay: float = 0.0


class LabTimeServer:
    def __init__(self, offset: float = 0.0, *, clock: Callable[[], float] = time.time) -> None:
        self.offset = offset
        self._clock = clock
        """The lab's true time (unix seconds); the in-memory lab gives a virtual one."""
        self.counts: Counter[str] = Counter()
        self._socket = ResponderSocket(self.replies)
        self.port = 0

    def replies(self, data: bytes) -> list[_Answer]:
        if not is_time_request(data):
            return []
        self.counts["answered"] += 1
        return [_Answer(build_time_response(data, self._clock() + self.offset))]

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.port = await self._socket.start(host, port)

    async def close(self) -> None:
        await self._socket.close()
