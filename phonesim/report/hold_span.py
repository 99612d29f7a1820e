"""How long a phone was held, against the hold asked for: one wording for the timeline's
last line, result.json's `Reached` and the end of `phonesim boot`.

A hold cut short by Ctrl-C still signs out, so "signed out" alone reads as a hold
done; the hold asked for and what cut it say that it was not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def held_span(held: Mapping[str, Any]) -> str:
    """`6.2 s of the 30 s asked (cut short by Ctrl-C)`, or `30 s` for a hold that ran its
    course (older traces carry neither the hold asked for nor what cut it)."""
    done = f"{held['held_for']:g} s"
    asked = held.get("hold")
    cut = held.get("cut_short_by")
    if asked is None:
        return done
    if cut:
        return f"{done} of the {asked:g} s asked (cut short by {cut})"
    return done


__all__ = ["held_span"]
