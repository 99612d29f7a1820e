"""What the phone says during one call into the core: commands in order, traces stamped.

Every trace leaves through `trace()`, which takes a declaration from
`phonesim.core.trace_schema`: an event that is not declared cannot be emitted,
and the stage and name it carries are the declaration's own spelling.
"""

from __future__ import annotations

from typing import Any

from phonesim.core.commands import Command, Trace
from phonesim.core.trace_schema import DECLARED, TraceEvent

_SPELLING: dict[int, tuple[str, str, str]] = {
    id(event): (event.stage.value, event.name, min(event.levels)) for event in DECLARED
}
"""(stage, name, level) by declaration, read once: a fleet emits millions of traces.
Each declaration has one level (`registrar.failed` is two declarations)."""


class Outbox:
    __slots__ = ("_commands", "now", "t0")

    def __init__(self) -> None:
        self._commands: list[Command] = []
        self.t0 = 0.0
        """The instant of power-on: traces count from it."""
        self.now = 0.0
        """The instant of the call under way."""

    def trace(self, declared: TraceEvent, /, **fields: Any) -> None:
        stage, name, level = _SPELLING[id(declared)]
        self._commands.append(Trace(round(self.now - self.t0, 6), stage, name, fields, level))

    def send(self, command: Command) -> None:
        self._commands.append(command)

    def take(self) -> list[Command]:
        commands, self._commands = self._commands, []
        return commands


__all__ = ["Outbox"]
