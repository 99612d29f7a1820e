"""A held phone's progress line: registered since when, the next refresh, what it did so far.

A hold on real time runs for minutes or hours with few trace events (a refresh every few
minutes at best), so the command line says where the hold stands now and then, read from
the events the phone traced.
"""

from __future__ import annotations

from datetime import UTC, datetime

from phonesim.core import trace_schema as ts
from phonesim.core.commands import Trace


class HoldProgress:
    """Follows a boot's traces; `line()` says where its hold stands (None before it)."""

    __slots__ = ("began", "ended", "hold", "keep_alives", "next_refresh", "refreshes", "renewals")

    def __init__(self) -> None:
        self.began: datetime | None = None
        self.hold = 0.0
        self.next_refresh = ""
        self.refreshes = 0
        self.keep_alives = 0
        self.renewals = 0
        self.ended = False

    def see(self, trace: Trace) -> None:
        fields = trace.fields
        if ts.HELD_BEGAN.matches(trace):
            self.began = datetime.now(UTC)
            self.hold = float(fields["hold"])
            self.next_refresh = str(fields["next_refresh"])
        elif ts.HELD_REFRESHED.matches(trace):
            self.refreshes = int(fields["refreshes"])
            self.keep_alives = int(fields["keep_alives"])
            self.next_refresh = str(fields["next_refresh"])
        elif ts.HELD_REHANDSHAKED.matches(trace):
            self.renewals += 1
            self.next_refresh = str(fields["next_refresh"])
        elif ts.HELD_SIGNED_OUT.matches(trace) or trace.level == "error":
            self.ended = self.began is not None

    def line(self, now: datetime) -> str | None:
        if self.began is None or self.ended:
            return None
        held = (now - self.began).total_seconds()
        return (
            f"held: registered since {self.began:%H:%M:%S} UTC ({held:.0f} of {self.hold:g} s), "
            f"next refresh {self.next_refresh[11:19]}, {self.refreshes} refreshes, "
            f"{self.keep_alives} keep-alives, {self.renewals} new security associations"
        )


__all__ = ["HoldProgress"]
