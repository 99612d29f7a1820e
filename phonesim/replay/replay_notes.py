"""The replay's own trace events, declared as the phone's are in `core/trace_schema.py`.

A replay writes notes beside the phone's trace (stage `replay`): which DNS
answers came from the capture, which names the capture lacks, what the replay
could not answer. The timeline, the JSON and the findings read them by these
declarations, never by literal names.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from phonesim.diagnosis.declared_fields import Recorded

REPLAY_STAGE = "replay"


@dataclass(frozen=True, slots=True)
class ReplayNote:
    name: str
    fields: frozenset[str]
    meaning: str

    @property
    def stage(self) -> str:
        return REPLAY_STAGE

    @property
    def key(self) -> str:
        return f"{REPLAY_STAGE}.{self.name}"

    def matches(self, trace: Recorded) -> bool:
        return trace.stage == REPLAY_STAGE and trace.event == self.name


def _note(name: str, fields: Iterable[str], meaning: str) -> ReplayNote:
    return ReplayNote(name, frozenset(fields), meaning)


INFORM_NOT_CAPTURED = _note(
    "inform_not_captured",
    ("why",),
    "the capture holds a session's answers but not its DHCPINFORM",
)
STALLED = _note("stalled", ("why",), "the phone waits and nothing is left to feed it")
NOT_ANSWERED = _note(
    "not_answered",
    ("command", "why"),
    "a command a replay does not answer (it answers DHCP and DNS)",
)
DNS_NOT_CAPTURED = _note(
    "dns_not_captured",
    ("name", "type", "why"),
    "a DNS question the capture holds no answer for, treated as unanswered",
)
DNS_FROM_CAPTURE = _note(
    "dns_from_capture",
    ("name", "type", "server", "captured_at", "latency"),
    "a DNS question answered with the capture's answer",
)

NO_INFORM_IN_BOOT = _note(
    "no_inform_in_boot",
    ("why",),
    "a phone's lease is in the capture but no DHCPINFORM after it: the replay stops there",
)
PART_NOT_CAPTURED = _note(
    "part_not_captured",
    ("part", "why"),
    "the replayed phone asks for something its boot in the capture holds no answer to",
)
CACHE_FROM_FILE = _note(
    "cache_from_file",
    ("file", "why"),
    "the replayed phone starts with the discovery cache given with --cache",
)

NOTES: tuple[ReplayNote, ...] = tuple(
    value for value in tuple(globals().values()) if isinstance(value, ReplayNote)
)


def note_named(name: str) -> ReplayNote | None:
    return next((note for note in NOTES if note.name == name), None)


__all__ = [
    "CACHE_FROM_FILE",
    "DNS_FROM_CAPTURE",
    "DNS_NOT_CAPTURED",
    "INFORM_NOT_CAPTURED",
    "NOTES",
    "NOT_ANSWERED",
    "NO_INFORM_IN_BOOT",
    "PART_NOT_CAPTURED",
    "REPLAY_STAGE",
    "STALLED",
    "ReplayNote",
    "note_named",
]
