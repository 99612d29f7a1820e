"""What a declared trace event is: its stage, its name, the fields it may carry, its levels.

The declarations themselves are in `phonesim.core.trace_schema`, one place.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from phonesim.core.stage import Stage


class TraceLike(Protocol):
    @property
    def stage(self) -> str: ...
    @property
    def event(self) -> str: ...


@dataclass(frozen=True, slots=True)
class TraceEvent:
    stage: Stage
    name: str
    fields: frozenset[str]
    meaning: str
    levels: frozenset[str] = frozenset({"info"})
    spelling: tuple[str, str, str] = field(init=False, repr=False, compare=False)
    """(stage, name, level) as plain text, the way a trace carries them: worked out once
    here, because a fleet emits millions of traces. A declaration has one level
    (`registrar.failed` is two declarations)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "spelling", (self.stage.value, self.name, min(self.levels)))

    @property
    def key(self) -> str:
        """`stage.name`, as the device log and the diagnosis write it."""
        return f"{self.stage}.{self.name}"

    def matches(self, trace: TraceLike) -> bool:
        return trace.stage == self.stage and trace.event == self.name


def declare(
    stage: Stage, name: str, fields: Iterable[str], meaning: str, *levels: str
) -> TraceEvent:
    return TraceEvent(stage, name, frozenset(fields), meaning, frozenset(levels or ("info",)))


__all__ = ["TraceEvent", "TraceLike", "declare"]
