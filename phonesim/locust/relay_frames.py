"""What a relay needs of a `phone` frame, read without decoding the whole frame.

A worker turns each finished phone into Locust request events and forwards the
frame's bytes to the master untouched; of the frame it needs only the index and the
step samples and failures. Decoding all of it (MAC, number, outcome, reached
steps...) was a third of the relay's CPU per phone. The engine writes those three
first (`record_stream.phone_frame`), so the relay decodes just their values with
the JSON library's own scanner, at their offsets. A frame laid out otherwise is
decoded whole: the fast path is an optimisation, never a second format.

Why an offset is safe: JSON escapes every `"` inside a string, so the key text
`,"samples":` cannot appear inside one.

No Locust here: the bridge calls this; it stays testable and timeable alone.
"""

from __future__ import annotations

import json
from json.scanner import make_scanner
from typing import Any, cast

PHONE_PREFIX = '{"t":"phone","index":'
_SAMPLES = ',"samples":'
_FAILURES = ',"failures":'

_scan: Any = make_scanner(cast(Any, json.JSONDecoder()))
"""Decodes one JSON value at an offset (the C scanner `json.loads` itself uses)."""


class RelayedPhone:
    """A phone frame's index, samples and failures (each failure as the engine lists it:
    stage, seconds, kind, reason, message, ended_boot)."""

    __slots__ = ("failures", "index", "samples")

    def __init__(self, index: int, samples: list[Any], failures: list[Any]) -> None:
        self.index = index
        self.samples = samples
        self.failures = failures


def relayed_phone(line: bytes) -> RelayedPhone:
    """A `phone` frame's line (without its newline) as the relay reads it."""
    text = line.decode()
    try:
        if text.startswith(PHONE_PREFIX):
            index, end = _scan(text, len(PHONE_PREFIX))
            if text.startswith(_SAMPLES, end):
                samples, end = _scan(text, end + len(_SAMPLES))
                if text.startswith(_FAILURES, end):
                    failures, _ = _scan(text, end + len(_FAILURES))
                    return RelayedPhone(index, samples, failures)
    except StopIteration:  # the scanner's way of saying "no JSON value here"
        pass
    frame = json.loads(text)
    return RelayedPhone(frame["index"], frame["samples"], frame["failures"])
