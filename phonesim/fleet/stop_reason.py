"""Why a fleet stopped powering phones on, as summary.json's `stopped` names it.

The token is stable so a script can tell a good run (`completed`, `duration`)
from one cut short; `describe` says the same to a person, with the figures
that explain it.
"""

from __future__ import annotations

import signal
from typing import Any

from phonesim.fleet.wording import phones

COMPLETED = "completed"
"""Every planned phone powered on (and finished)."""
DURATION = "duration"
"""--duration elapsed before --phones (if given) were powered on."""
CTRL_C = "interrupted (Ctrl-C)"
LAB_EXITED = "lab exited"
"""The fleet's lab process ended by itself; the phones in flight were stopped."""
INTERRUPTED = "interrupted"
"""The run was cancelled from inside the program (an embedding caller, a failure)."""

BY_SIGNAL = {
    signal.SIGINT: CTRL_C,
    signal.SIGTERM: "SIGTERM",
    signal.SIGHUP: "SIGHUP",
}

NATURAL = (COMPLETED, DURATION)
"""Ends that are the plan running its course, not something cutting it short."""


def cut_by(token: str) -> str:
    """What a stop cut the holds short by, as each held phone's summary names it."""
    if token == CTRL_C:
        return "Ctrl-C"
    return token if token in BY_SIGNAL.values() else "the fleet's end"


def max_failures(limit: int) -> str:
    return f"max-failures ({limit})"


def describe(token: str | None, summary: dict[str, Any]) -> str:
    """One sentence for the terminal and report.html: what ended the run."""
    config = summary.get("config", {})
    if token is None:
        return "the run did not start"
    if token == COMPLETED:
        started = summary["phones_started"]
        return f"completed: {'the' if started == 1 else 'all'} {phones(started)} planned powered on"
    if token == DURATION:
        return f"--duration {config.get('duration')} elapsed"
    if token.startswith("max-failures"):
        return f"{summary['failed']} failures reached --max-failures {config.get('max_failures')}"
    if token == LAB_EXITED:
        return "the lab process exited during the run; the phones in flight were stopped"
    if token == CTRL_C:
        return "interrupted by Ctrl-C"
    if token in BY_SIGNAL.values():
        return f"ended by {token}"
    return token
