"""Counts said as people say them: "1 phone", "2 phones"."""

from __future__ import annotations


def phones(count: int) -> str:
    return f"{count} phone" if count == 1 else f"{count} phones"
