"""The `cpsw3g.log`-style device log: one line per event, greppable, and readable back.

Format (ours; no public sample of the phone's own log exists):

    2026-11-23 10:15:02.123 0x00000A40 INFO  DHCP: inform_sent xid="0x1a2b3c4d" attempt=1

- date and time (UTC, milliseconds), the phone's "thread" for that component,
  the level padded to 5, the component, the event name, then `key=value`
  fields. A value is JSON unless it is a plain word (letters, digits, and
  `.:/_-@+`), which is written bare; the parser reads both back.
- Lines starting with `#` are comments (the header names profile and phone).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

from phonesim.core.commands import Trace
from phonesim.core.stage import Stage
from phonesim.errors import PhonesimError

THREADS: dict[str, int] = {
    Stage.BOOT: 0x0A00,
    Stage.DHCP: 0x0A40,
    Stage.DNS: 0x0A80,
    Stage.DISCOVERY: 0x0AC0,
    Stage.TIME: 0x0B00,
    Stage.ROOTCHAIN: 0x0B40,
    Stage.CERTPROV: 0x0B80,
    Stage.WEBTICKET: 0x0BC0,
    Stage.REGISTRAR: 0x0C00,
    Stage.TLSDSK: 0x0C40,
    Stage.PROVISIONING: 0x0C80,
    Stage.HELD: 0x0CC0,
    Stage.LLDP: 0x0D00,
    Stage.VLAN: 0x0D40,
    Stage.LEASE: 0x0D80,
}
"""The phone's "thread" for each stage: a log line's component, as the device's log has one."""
LEVELS = {"info": "INFO", "warning": "WARN", "error": "ERROR"}
_BARE = re.compile(r"^[A-Za-z0-9.:/_@+-]+$")
_LINE = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2}) (?P<time>\d{2}:\d{2}:\d{2}\.\d{3}) "
    r"0x(?P<thread>[0-9A-F]{8}) (?P<level>INFO|WARN|ERROR)\s+(?P<component>[A-Z]+): "
    r"(?P<event>[a-z_]+)(?P<rest>.*)$"
)


class MalformedDeviceLog(PhonesimError):
    def __init__(self, line_number: int, reason: str) -> None:
        super().__init__(f"device log line {line_number}: {reason}")
        self.line_number = line_number


@dataclass(frozen=True)
class DeviceLogRecord:
    when: datetime
    thread: int
    level: str
    component: str
    event: str
    fields: dict[str, Any] = field(default_factory=dict)


def format_value(value: Any) -> str:
    if isinstance(value, str) and _BARE.match(value) and value not in ("true", "false", "null"):
        try:
            json.loads(value)
        except ValueError:
            return value  # a bare word that would not read back as a number
    return json.dumps(value, separators=(",", ":"), default=str)


def format_line(trace: Trace, power_on: datetime) -> str:
    when = datetime.fromtimestamp(power_on.timestamp() + trace.t, UTC)
    stamp = when.strftime("%Y-%m-%d %H:%M:%S.") + f"{when.microsecond // 1000:03d}"
    thread = THREADS.get(trace.stage, 0x0FFF)
    level = LEVELS.get(trace.level, "INFO")
    fields = "".join(f" {key}={format_value(value)}" for key, value in trace.fields.items())
    return f"{stamp} 0x{thread:08X} {level:<5} {trace.stage.upper()}: {trace.event}{fields}"


class DeviceLogWriter:
    def __init__(self, stream: TextIO, power_on: datetime, header: dict[str, Any]) -> None:
        self._stream = stream
        self._power_on = power_on
        stream.write(
            "# cpsw3g.log (phonesim) "
            + " ".join(f"{k}={format_value(v)}" for k, v in header.items())
            + "\n"
        )

    def write(self, trace: Trace) -> None:
        self._stream.write(format_line(trace, self._power_on) + "\n")
        self._stream.flush()


def _parse_fields(rest: str, line_number: int) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    decoder = json.JSONDecoder()
    position = 0
    while position < len(rest):
        if rest[position] == " ":
            position += 1
            continue
        equals = rest.find("=", position)
        if equals < 0:
            raise MalformedDeviceLog(line_number, f"field without '=' at column {position}")
        key = rest[position:equals]
        position = equals + 1
        if position < len(rest) and rest[position] in '"[{':
            try:
                value, position = decoder.raw_decode(rest, position)
            except ValueError as error:
                raise MalformedDeviceLog(line_number, f"bad value for {key}: {error}") from None
            except RecursionError:
                # json's decoder recurses once per nesting level; the log never nests deeper than 3.
                raise MalformedDeviceLog(line_number, f"value of {key} nested too deep") from None
        else:
            end = rest.find(" ", position)
            end = len(rest) if end < 0 else end
            token = rest[position:end]
            position = end
            try:
                value = json.loads(token)
            except ValueError:
                value = token
        fields[key] = value
    return fields


def parse_device_log(lines: Iterable[str]) -> Iterator[DeviceLogRecord]:
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise MalformedDeviceLog(number, "not a device log line")
        stamp = f"{match['date']} {match['time']}"
        try:
            when = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)
        except ValueError:
            # The line's pattern takes any digits; the calendar decides (no month 13, no 30 February).
            raise MalformedDeviceLog(number, f"no such date and time: {stamp}") from None
        yield DeviceLogRecord(
            when=when,
            thread=int(match["thread"], 16),
            level={"INFO": "info", "WARN": "warning", "ERROR": "error"}[match["level"]],
            component=match["component"].lower(),
            event=match["event"],
            fields=_parse_fields(match["rest"], number),
        )
