"""What the phone says during one call into the core: commands in order, traces stamped.

Every trace leaves through `trace()`, which takes a declaration from
`phonesim.core.trace_schema` (`tests/core/test_trace_schema.py` holds every call
to a declaration and its fields): the stage, name and level a trace carries are the
declaration's own spelling.
"""

from __future__ import annotations

from typing import Any

from phonesim.core.commands import Command, Trace
from phonesim.core.trace_schema import TraceEvent


class Outbox:
    __slots__ = ("_commands", "now", "t0")

    def __init__(self) -> None:
        self._commands: list[Command] = []
        self.t0 = 0.0
        """The instant of power-on: traces count from it."""
        self.now = 0.0
        """The instant of the call under way."""

    def trace(self, declared: TraceEvent, /, **fields: Any) -> None:
        stage, name, level = declared.spelling
        self._commands.append(Trace(round(self.now - self.t0, 6), stage, name, fields, level))

    def send(self, command: Command) -> None:
        self._commands.append(command)

    def take(self) -> list[Command]:
        commands, self._commands = self._commands, []
        return commands


__all__ = ["Outbox"]
