"""A trace event's fields, read through the event's declaration.

Readers of the trace (diagnosis, timeline, device log, the fleet's step clock,
replay) name the fields they use; the declaration in `core/trace_schema.py`
says which fields an event may carry. Reading through the declaration makes a
field that is not declared (renamed in the core, or misspelt in a reader) an
error at the read, not a `None` that quietly switches a rule off. A test reads
every reader's source and holds each field it names to the event it reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol, TypeVar

from phonesim.core.trace_schema import DECLARED, TraceEvent


class Declaration(Protocol):
    """An event declaration: the phone's (`TraceEvent`) or a replay's own note."""

    @property
    def stage(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def fields(self) -> frozenset[str]: ...
    @property
    def key(self) -> str: ...


class Recorded(Protocol):
    """A trace event as recorded: a core `Trace`, or a step of a boot record."""

    @property
    def stage(self) -> str: ...
    @property
    def event(self) -> str: ...
    @property
    def fields(self) -> Mapping[str, Any]: ...


class UndeclaredField(LookupError):
    """A reader asked an event for a field its declaration does not name: a bug in the reader
    (or a field renamed in the core without its readers)."""

    def __init__(self, event: Declaration, name: str) -> None:
        super().__init__(f"{event.key} declares no field {name!r}")
        self.event = event
        self.name = name


class DeclaredFields(Mapping[str, Any]):
    """The fields an event carries, readable only by the names its declaration gives.

    A declared field the event does not carry reads as absent (`KeyError`, or the
    default of `get`), as in a plain dict.
    """

    __slots__ = ("_event", "_values")

    def __init__(self, event: Declaration, values: Mapping[str, Any]) -> None:
        self._event = event
        self._values = values

    def __getitem__(self, name: str) -> Any:
        if name not in self._event.fields:
            raise UndeclaredField(self._event, name)
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def fields_of(event: Declaration, recorded: Recorded) -> DeclaredFields:
    """`recorded`'s fields, read as `event` declares them."""
    if recorded.event != event.name or recorded.stage != event.stage:
        raise ValueError(f"a {recorded.stage}.{recorded.event} read as {event.key}")
    return DeclaredFields(event, recorded.fields)


def declared_field(event: Declaration, name: str) -> str:
    """`name`, checked against `event`'s declaration once, where a reader that reads it for
    every event (the fleet's step clock) keeps it."""
    if name not in event.fields:
        raise UndeclaredField(event, name)
    return name


_FIRST: dict[tuple[str, str], TraceEvent] = {}
_BY_LEVEL: dict[tuple[str, str, str], TraceEvent] = {}
for _event in DECLARED:
    _FIRST.setdefault((_event.stage, _event.name), _event)
    for _level in _event.levels:
        _BY_LEVEL.setdefault((_event.stage, _event.name, _level), _event)


def phone_declaration(stage: str, event: str, level: str) -> TraceEvent | None:
    """The declaration a recorded phone event answers to: the one for its level, else the
    first with its stage and name (a level the declaration does not give is still that
    event), else None (an event of an older phonesim, or not the phone's)."""
    return _BY_LEVEL.get((stage, event, level)) or _FIRST.get((stage, event))


F = TypeVar("F", bound=Callable[..., Any])


def reads(*events: Declaration) -> Callable[[F], F]:
    """Marks a function whose first argument is the fields of one of `events`: the test of
    the readers holds each field it reads to every one of them."""

    def mark(function: F) -> F:
        return function

    return mark


__all__ = [
    "Declaration",
    "DeclaredFields",
    "Recorded",
    "UndeclaredField",
    "declared_field",
    "fields_of",
    "phone_declaration",
    "reads",
]
