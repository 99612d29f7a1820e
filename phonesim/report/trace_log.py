"""The trace as JSON lines: one object per event, for machines and for replays."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, TextIO

from phonesim.core.commands import Trace


def trace_to_json(trace: Trace) -> dict[str, Any]:
    return {
        "t": trace.t,
        "stage": trace.stage,
        "event": trace.event,
        "level": trace.level,
        "fields": trace.fields,
    }


class TraceLogWriter:
    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, trace: Trace) -> None:
        self._stream.write(json.dumps(trace_to_json(trace), default=str) + "\n")
        self._stream.flush()


def read_trace_log(stream: TextIO) -> Iterator[Trace]:
    for line in stream:
        if line.strip():
            data = json.loads(line)
            yield Trace(
                data["t"],
                data["stage"],
                data["event"],
                data.get("fields", {}),
                data.get("level", "info"),
            )
