"""Counts and rates said as people say them: "1 phone", "2 phones"."""

from __future__ import annotations

from typing import Any


def phones(count: int) -> str:
    return f"{count} phone" if count == 1 else f"{count} phones"


def rate_sentence(summary: dict[str, Any]) -> str:
    """The run's rate in words: a held fleet's phones finish only when their holds end, so
    its rate counts the sign-ins, to the last one's end, and leaves the hold out."""
    rate = summary["phones_per_second"] or 0
    if summary.get("hold"):
        return (
            f"{rate:.1f} phones signed in per second (phones finished signing in ÷ time to "
            "the last sign-in's end; the hold apart)"
        )
    return f"{rate:.1f} phones finished per second (phones finished ÷ elapsed time)"
