"""The progress line a held boot prints now and then: read from what the phone traced."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from phonesim.core import trace_schema as ts
from phonesim.core.commands import Trace
from phonesim.report.hold_progress import HoldProgress


def trace(declared: ts.TraceEvent, **fields: object) -> Trace:
    stage, name, level = declared.spelling
    return Trace(1.0, stage, name, dict(fields), level)


def test_the_line_says_since_when_the_next_refresh_and_the_counts() -> None:
    progress = HoldProgress()
    assert progress.line(datetime.now(UTC)) is None  # not held yet
    progress.see(
        trace(
            ts.HELD_BEGAN,
            hold=600,
            next_refresh="2026-11-30T10:04:30.015000+00:00",
            keep_alive=300.0,
            sa_renew="2026-11-30T17:55:00+00:00",
        )
    )
    assert progress.began is not None
    progress.see(
        trace(
            ts.HELD_REFRESHED,
            refreshes=1,
            keep_alives=4,
            expires=300,
            next_refresh="2026-11-30T10:09:00.000000+00:00",
        )
    )
    line = progress.line(progress.began + timedelta(seconds=120))
    assert line is not None
    assert "(120 of 600 s)" in line and "next refresh 10:09:00" in line
    assert "1 refreshes, 4 keep-alives, 0 new security associations" in line
    progress.see(trace(ts.HELD_SIGNED_OUT, signed_out=True))
    assert progress.line(progress.began + timedelta(seconds=600)) is None
