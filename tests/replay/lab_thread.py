"""The embedded lab on loopback in a thread of its own, for tests that drive the CLI beside it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from phonesim.lab.embedded_lab import EmbeddedLab
from phonesim.lab.layout import LabEndpoints


@contextmanager
def lab_in_thread(**kwargs: Any) -> Iterator[tuple[EmbeddedLab, LabEndpoints]]:
    """Start the lab, wait (bounded) until it listens, stop it on exit."""
    loop = asyncio.new_event_loop()
    lab = EmbeddedLab(**kwargs)
    ready = threading.Event()
    failure: list[BaseException] = []

    def serve() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(lab.start())
        except BaseException as error:
            failure.append(error)
            ready.set()
            return
        ready.set()
        loop.run_forever()
        loop.run_until_complete(lab.close())
        loop.close()

    thread = threading.Thread(target=serve, name="phonesim-lab", daemon=True)
    thread.start()
    assert ready.wait(30), "the lab did not start within 30 s"
    if failure:
        raise failure[0]
    try:
        yield lab, lab.endpoints
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
