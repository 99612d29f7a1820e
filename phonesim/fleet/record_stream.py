"""The record stream: a fleet slice tells whoever runs it about every phone as it ends.

One JSON object a line on a pipe (`--record-stream FD`): a `phone` frame per finished
phone with its raw step samples (not the per-step totals `phones.csv` keeps), so
that the merged run's percentiles are computed over the very samples the engine
measured; JSON keeps a float exact (it writes the shortest text that reads back to
the same double). A `start` frame as each phone powers on lets the reader name the
phones a slice that dies took with it (a count sent each second would miss the last
second's); a `progress` frame each second gives the engine's CPU, and an `end` frame
closes the slice. Given `start_on_stdin`, the engine says `ready` once its libraries
and keys are loaded and reads the schedule's zero (Unix time) from its standard input:
whoever runs several slices starts them all together, however long each took to load. No PIN is ever written: a phone is named by index, MAC and number.

The pipe is written through asyncio's non-blocking transport: a slow reader grows
the buffer (reported as `unsent_bytes`), it never stalls the phones' loop.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from phonesim.errors import PhonesimError
from phonesim.fleet.stage_clock import StageClock, StepFailure


class NoStartTime(PhonesimError):
    """The run was called off before its start (standard input closed)."""


START = "start"
PHONE = "phone"
READY = "ready"
PROGRESS = "progress"
END = "end"

PROGRESS_INTERVAL = 1.0

START_PREFIX = b'{"t":"start","index":'
"""A start frame up to its index: written and read as bytes (one a phone, at the storm's
rate: neither end pays for JSON)."""


def phone_frame(
    *,
    index: int,
    profile: str,
    mac: str,
    sign_in_as: str,
    started: float,
    scheduled: float,
    waited: bool,
    ended: float,
    outcome: str,
    detail: str,
    clock: StageClock,
    warm: str | None = None,
    fell_back: str | None = None,
) -> dict[str, Any]:
    """`warm`: with `--warm`, cold or how the phone began (`warm_plan`), and `fell_back`
    why its kept certificate did not serve: the master splits cold and warm phones."""
    # The index, samples and failures lead: a relay decodes just those (`relay_frames`).
    frame = {
        "t": PHONE,
        "index": index,
        "samples": clock.samples,
        "failures": [
            [f.stage, f.seconds, f.kind, f.reason, f.message, f.ended_boot] for f in clock.failures
        ],
        "profile": profile,
        "mac": mac,
        "sign_in_as": sign_in_as,
        "started": started,
        "scheduled": scheduled,
        "waited": waited,
        "ended": ended,
        "outcome": outcome,
        "last_stage": clock.current_stage,
        "detail": detail,
        "reached": sorted(clock.reached),
        "not_needed": clock.not_needed,
    }
    if warm is not None:
        frame["warm"] = warm
        frame["fell_back"] = fell_back
    return frame


@dataclass
class ShippedSteps:
    """A phone's steps as a `phone` frame carries them (what `FleetStatistics` reads)."""

    samples: list[tuple[str, float]]
    failures: list[StepFailure]
    reached: set[str]
    not_needed: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, frame: dict[str, Any]) -> ShippedSteps:
        return cls(
            samples=[(stage, seconds) for stage, seconds in frame["samples"]],
            failures=[StepFailure(*failure) for failure in frame["failures"]],
            reached=set(frame["reached"]),
            not_needed=list(frame["not_needed"]),
        )


class RecordStream:
    """The engine's end of the pipe."""

    def __init__(self, fd: int, *, start_on_stdin: bool = False) -> None:
        self._fd = fd
        self.start_on_stdin = start_on_stdin
        self._transport: asyncio.WriteTransport | None = None
        self._ticker: asyncio.Task[None] | None = None
        self.started = 0
        self.finished = 0

    async def open(self, started: Callable[[], int]) -> None:
        loop = asyncio.get_running_loop()
        os.set_blocking(self._fd, False)
        pipe = os.fdopen(self._fd, "wb", buffering=0)
        self._transport, _ = await loop.connect_write_pipe(asyncio.Protocol, pipe)
        self._ticker = loop.create_task(self._tick(started))

    async def start_time(self) -> float:
        """Say `ready`, then wait for the schedule's zero on standard input."""
        self._send({"t": READY})
        line = await asyncio.to_thread(sys.stdin.readline)
        try:
            return float(line)
        except ValueError:
            raise NoStartTime(
                f"--start-at ready: no start time on standard input ({line!r})"
            ) from None

    def phone_started(self, index: int) -> None:
        transport = self._transport
        if transport is not None and not transport.is_closing():
            transport.write(b"%s%d}\n" % (START_PREFIX, index))

    def phone(self, frame: dict[str, Any]) -> None:
        self.finished += 1
        self._send(frame)

    async def close(self, started: int, timeout: float = 10.0, **end: Any) -> None:
        """The last frames: the final count, then `end` (the reader's sign that no phone
        of this slice is missing); waits a bounded time for the reader to take them."""
        if self._ticker is not None:
            self._ticker.cancel()
        self._send(self._progress(started))
        self._send({"t": END, "started": started, "finished": self.finished, **end})
        transport = self._transport
        deadline = time.monotonic() + timeout
        while (
            transport is not None
            and not transport.is_closing()
            and transport.get_write_buffer_size()
            and time.monotonic() < deadline
        ):
            await asyncio.sleep(0.01)
        if transport is not None:
            transport.close()

    def _progress(self, started: int) -> dict[str, Any]:
        transport = self._transport
        return {
            "t": PROGRESS,
            "started": started,
            "finished": self.finished,
            "cpu_seconds": time.process_time(),
            "unsent_bytes": 0 if transport is None else transport.get_write_buffer_size(),
        }

    async def _tick(self, started: Callable[[], int]) -> None:
        while True:
            self._send(self._progress(started()))
            await asyncio.sleep(PROGRESS_INTERVAL)

    def _send(self, frame: dict[str, Any]) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        transport.write(json.dumps(frame, separators=(",", ":")).encode() + b"\n")
