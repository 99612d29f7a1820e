"""One folder per run holding everything it produced, ready to zip onto a ticket."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from phonesim.core.commands import Trace
from phonesim.errors import UsageError
from phonesim.report.boot_page import REPORT, boot_page
from phonesim.report.command_line import COMMAND_LINE, command_line_record
from phonesim.report.device_log import DeviceLogWriter
from phonesim.report.step_waterfall import Waterfall
from phonesim.report.trace_log import TraceLogWriter

StepTiming = Callable[[Sequence[Trace]], Waterfall]
"""Times a boot's steps for the page's waterfall (`phonesim.probe.step_timing.waterfall`:
the fleet's step clock, a layer below the report, knows which event ends which step)."""

DEVICE_LOG = "cpsw3g.log"
TRACE_LOG = "trace.jsonl"
RESULT = "result.json"


def new_run_dir(base: Path, label: str, now: datetime) -> Path:
    stamp = now.strftime("%Y%m%dT%H%M%S")
    candidate = base / f"{stamp}-{label}"
    counter = 1
    try:
        while candidate.exists():
            counter += 1
            candidate = base / f"{stamp}-{label}-{counter}"
        candidate.mkdir(parents=True)
    except OSError as error:
        raise UsageError(f"cannot create a run folder in {base}: {error.strerror}") from None
    return candidate


class RunFolder:
    """Opened before the boot, so a folder that cannot be written stops it before it starts;
    `begin` gives the power-on instant the device log counts from."""

    def __init__(
        self, path: Path, *, header: dict[str, Any], step_timing: StepTiming | None = None
    ) -> None:
        self.path = path
        self._step_timing = step_timing
        self._header = header
        self._device_log: DeviceLogWriter | None = None
        self._traces: list[Trace] = []
        with ExitStack() as opened:
            try:
                path.mkdir(parents=True, exist_ok=True)
                self._device_stream = opened.enter_context(
                    (path / DEVICE_LOG).open("w", encoding="utf-8")
                )
                self._trace_stream = opened.enter_context(
                    (path / TRACE_LOG).open("w", encoding="utf-8")
                )
            except OSError as error:
                raise UsageError(f"cannot write the run folder {path}: {error.strerror}") from None
            self._streams = opened.pop_all()
        self._trace_log = TraceLogWriter(self._trace_stream)

    def begin(self, power_on: datetime) -> None:
        self._device_log = DeviceLogWriter(self._device_stream, power_on, self._header)

    def write(self, trace: Trace) -> None:
        assert self._device_log is not None, "begin() first"
        self._device_log.write(trace)
        self._trace_log.write(trace)
        self._traces.append(trace)

    def finish(self, result: dict[str, Any]) -> None:
        (self.path / RESULT).write_text(json.dumps(result, indent=2, default=str) + "\n")
        self.close()
        # After the logs are closed: the page links them, and a colleague opening it from a
        # bundle needs them whole.
        steps = self._step_timing(self._traces) if self._step_timing is not None else None
        (self.path / REPORT).write_text(boot_page(result, self._traces, steps), encoding="utf-8")
        (self.path / COMMAND_LINE).write_text(
            json.dumps(command_line_record(), indent=2) + "\n", encoding="utf-8"
        )

    def close(self) -> None:
        self._streams.close()


def utc_now() -> datetime:
    return datetime.now(UTC)
