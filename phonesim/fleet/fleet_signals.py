"""What Ctrl-C, SIGTERM and SIGHUP do to a running fleet.

Ctrl-C at a terminal is a person: the first stops arrivals and lets the phones
in flight finish, a second ends them. SIGTERM (a CI job's time-out, a
container stopping) and SIGHUP (the SSH session dropped) come from something
that will not wait: arrivals stop and the phones in flight end at once. In
every case the report is still written, and the exit code is the shell's
128 + the signal's number (130, 143, 129), so a script can tell which it was.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable
from typing import Protocol

from phonesim.fleet.stop_reason import BY_SIGNAL

HANDLED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Stoppable(Protocol):
    def interrupt(self, reason: str) -> None: ...

    def abort(self) -> None: ...


class FleetSignals:
    def __init__(self, say: Callable[[str], None]) -> None:
        self._say = say
        self.received: list[int] = []
        self.fleet: Stoppable | None = None
        """Set once the fleet runs; before that a signal cancels the start-up."""
        self._task: asyncio.Task[object] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def first(self) -> int | None:
        return self.received[0] if self.received else None

    @property
    def exit_code(self) -> int | None:
        return None if self.first is None else 128 + self.first

    def install(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()
        for signum in HANDLED:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                self._loop.add_signal_handler(signum, self._received, signum)

    def uninstall(self) -> None:
        if self._loop is None:
            return
        for signum in HANDLED:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                self._loop.remove_signal_handler(signum)

    def _received(self, signum: int) -> None:
        self.received.append(signum)
        fleet = self.fleet
        if fleet is None:
            if self._task is not None:
                self._task.cancel()
            return
        fleet.interrupt(BY_SIGNAL[signal.Signals(signum)])
        if signum == signal.SIGINT and self.received == [signal.SIGINT]:
            self._say(
                "Ctrl-C: no more phones power on; those in flight finish and held phones "
                "sign out (Ctrl-C again to end them now)"
            )
            return
        fleet.abort()
