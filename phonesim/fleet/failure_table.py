"""Failures by step, reason and message, as a load tester's failures table lists them.

A message often names the phone (its extension, its MAC); those are replaced
by placeholders so that the same failure of a thousand phones is one row. A
reason whose messages still differ keeps a few of them, and counts the rest
under one row, so the table stays small whatever the servers say.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from phonesim.fleet.stage_clock import StepFailure

MESSAGES_PER_REASON = 5
OTHER_MESSAGES = "(other messages)"


@dataclass(frozen=True, slots=True)
class FailureRow:
    step: str
    reason: str
    kind: str
    """failed or timed_out"""
    ended_boot: bool
    message: str
    count: int

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "reason": self.reason,
            "kind": self.kind,
            "ended_boot": self.ended_boot,
            "message": self.message,
            "count": self.count,
        }


class FailureTable:
    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str, str, bool, str]] = Counter()
        self._messages: Counter[tuple[str, str, str, bool]] = Counter()

    def add(self, failure: StepFailure, *, ext: str = "", mac: str = "") -> None:
        message = failure.message
        if ext:
            message = message.replace(ext, "<ext>")
        if mac:
            message = message.replace(mac, "<mac>")
        group = (failure.stage, failure.reason, failure.kind, failure.ended_boot)
        key = (*group, message)
        if key not in self._counts and self._messages[group] >= MESSAGES_PER_REASON:
            key = (*group, OTHER_MESSAGES)
        elif key not in self._counts:
            self._messages[group] += 1
        self._counts[key] += 1

    def rows(self) -> list[FailureRow]:
        return [
            FailureRow(step, reason, kind, ended, message, count)
            for (step, reason, kind, ended, message), count in self._counts.most_common()
        ]

    def __len__(self) -> int:
        return len(self._counts)
