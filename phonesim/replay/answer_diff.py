"""Captured answers against live ones, option by option, by what they mean to the phone.

Two answers match when every option means the same (`OptionReading.meaning`):
sub-options in another order, an end code, a value split in RFC 3396 parts or
moved into `file` by option 52 are layout, shown but not counted. Live answers
are paired with captured ones by server identifier; a lone live answer from a
server the capture does not know is paired with the captured answer the phone
used (or the only one), since that is what "does the server answer the same
today" asks about.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from phonesim.codec.dhcp_message import DhcpMessage
from phonesim.replay.live_resend import LiveAnswer
from phonesim.replay.option_forensics import OPTION_NAMES, OptionReading, read_message_options
from phonesim.replay.sessions import SessionMessage

SAME = "same"
SAME_MEANING = "same meaning"
DIFFERS = "differs"
CAPTURED_ONLY = "captured only"
LIVE_ONLY = "live only"
LAYOUT_ONLY_OPTIONS = frozenset((52,))
"""Option 52 says where the other options are, not what they are."""


@dataclass(frozen=True)
class OptionDiff:
    code: int
    name: str
    captured: OptionReading | None
    live: OptionReading | None
    status: str

    @property
    def matches(self) -> bool:
        return self.status in (SAME, SAME_MEANING)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "status": self.status,
            "captured": None if self.captured is None else self.captured.to_json(),
            "live": None if self.live is None else self.live.to_json(),
        }


@dataclass(frozen=True)
class AnswerPair:
    captured: SessionMessage | None
    live: LiveAnswer | None
    paired_by: str
    options: tuple[OptionDiff, ...]

    @property
    def matches(self) -> bool:
        return (
            self.captured is not None
            and self.live is not None
            and self.live.message is not None
            and all(diff.matches for diff in self.options)
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "captured_server": None if self.captured is None else self.captured.server,
            "live_server": None if self.live is None else self.live.server,
            "live_source": None if self.live is None else self.live.source,
            "live_t": None if self.live is None else self.live.t,
            "live_error": None if self.live is None else self.live.error,
            "paired_by": self.paired_by,
            "matches": self.matches,
            "options": [diff.to_json() for diff in self.options],
        }


@dataclass(frozen=True)
class ResendDiff:
    pairs: tuple[AnswerPair, ...]
    unanswered: tuple[SessionMessage, ...]
    """Captured answers from servers that gave no live answer (not counted as a difference)."""

    @property
    def answered(self) -> bool:
        return any(pair.live is not None for pair in self.pairs)

    @property
    def matches(self) -> bool:
        return self.answered and all(pair.matches for pair in self.pairs)

    def to_json(self) -> dict[str, Any]:
        return {
            "answered": self.answered,
            "matches": self.matches,
            "pairs": [pair.to_json() for pair in self.pairs],
            "no_live_answer_from": [m.server for m in self.unanswered],
        }


def diff_answers(
    captured: list[SessionMessage],
    live: list[LiveAnswer],
    *,
    vendor_class: str | None,
    preferred: str | None = None,
) -> ResendDiff:
    """Pair and compare; `preferred` is the captured server to compare a stranger's answer with."""
    left = list(captured)
    pairs: list[AnswerPair] = []
    strangers: list[LiveAnswer] = []
    for answer in live:
        match = next((c for c in left if c.server == answer.server), None)
        if match is None:
            strangers.append(answer)
            continue
        left.remove(match)
        pairs.append(_pair(match, answer, "server identifier", vendor_class))
    for answer in strangers:
        match = _stand_in(left, preferred)
        if match is not None:
            left.remove(match)
            pairs.append(_pair(match, answer, "the captured answer the phone used", vendor_class))
        else:
            pairs.append(_pair(None, answer, "not in the capture", vendor_class))
    return ResendDiff(pairs=tuple(pairs), unanswered=tuple(left))


def _stand_in(left: list[SessionMessage], preferred: str | None) -> SessionMessage | None:
    if not left:
        return None
    if preferred is not None:
        for candidate in left:
            if candidate.server == preferred:
                return candidate
    with_fqdn = [c for c in left if 120 in c.message.options]
    return (with_fqdn or left)[0]


def _pair(
    captured: SessionMessage | None,
    live: LiveAnswer,
    paired_by: str,
    vendor_class: str | None,
) -> AnswerPair:
    return AnswerPair(
        captured=captured,
        live=live,
        paired_by=paired_by,
        options=compare_options(
            None if captured is None else captured.message, live.message, vendor_class
        ),
    )


def compare_options(
    captured: DhcpMessage | None, live: DhcpMessage | None, vendor_class: str | None
) -> tuple[OptionDiff, ...]:
    before = _readings(captured, vendor_class)
    after = _readings(live, vendor_class)
    codes = list(before) + [code for code in after if code not in before]
    diffs = []
    for code in codes:
        if code in LAYOUT_ONLY_OPTIONS:
            continue
        old, new = before.get(code), after.get(code)
        if old is None:
            status = LIVE_ONLY
        elif new is None:
            status = CAPTURED_ONLY
        elif old.value == new.value and old.parts == new.parts:
            status = SAME
        elif old.meaning == new.meaning:
            status = SAME_MEANING
        else:
            status = DIFFERS
        reading = old if old is not None else new
        name = reading.name if reading is not None else OPTION_NAMES.get(code, f"option {code}")
        diffs.append(OptionDiff(code, name, old, new, status))
    return tuple(diffs)


def _readings(message: DhcpMessage | None, vendor_class: str | None) -> dict[int, OptionReading]:
    if message is None:
        return {}
    return {reading.code: reading for reading in read_message_options(message, vendor_class)}
