"""The trace as JSON lines: one object per event, for machines and for replays."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any, TextIO

from phonesim.core.commands import Trace
from phonesim.errors import PhonesimError


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


class MalformedTraceLog(PhonesimError):
    def __init__(self, source: str, line: int, reason: str) -> None:
        super().__init__(f"{source}: line {line}: {reason}")


def read_trace_log(stream: TextIO, source: str = "trace log") -> Iterator[Trace]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            t = float(data["t"])
            if not math.isfinite(t) or t < 0:
                raise ValueError(f"t = {data['t']!r} is no time since power-on")
            yield Trace(
                t,
                str(data["stage"]),
                str(data["event"]),
                dict(data.get("fields") or {}),
                str(data.get("level", "info")),
            )
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as error:
            raise MalformedTraceLog(source, number, f"not a trace event ({error})") from None
