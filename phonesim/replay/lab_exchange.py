"""The captured answers the lab serves with `phonesim lab --from-capture`."""

from __future__ import annotations

from pathlib import Path

from phonesim.errors import CaptureError, UsageError
from phonesim.lab.capture_responder import CapturedAnswer, CapturedExchange
from phonesim.replay.capture_skim import CaptureSkim
from phonesim.replay.sessions import DhcpSession


def captured_exchange(path: Path, *, session: int | None = None) -> CapturedExchange:
    """The answers of session `session`, or of the capture's first INFORM that was answered.

    Each answer's delay is measured from the last request before it, so an
    answer to a retransmitted INFORM keeps the server's real response time.
    """
    skim = CaptureSkim(path)
    chosen: DhcpSession | None = None
    sessions = skim.sessions()
    for candidate in sessions:
        wanted = candidate.number == session if session is not None else _served(candidate)
        if wanted:
            chosen = candidate
            sessions.close()
            break
    if chosen is None:
        if skim.error is not None:
            raise skim.error
        what = f"no session {session}" if session is not None else "no answered DHCPINFORM"
        raise UsageError(f"capture {path} has {what} for the lab to serve")
    if not chosen.acks:
        raise CaptureError(str(path), None, f"session {chosen.number} has no DHCPACK to serve")
    answers = []
    for ack in chosen.acks:
        asked = [m.time for m in chosen.requests if m.time <= ack.time]
        start = asked[-1] if asked else chosen.first_time
        answers.append(
            CapturedAnswer(delay=round(ack.time - start, 6), payload=ack.payload, server=ack.server)
        )
    return CapturedExchange(
        vendor_class=chosen.vendor_class,
        answers=tuple(answers),
        origin=f"{path} session {chosen.number}",
    )


def _served(session: DhcpSession) -> bool:
    return session.inform is not None and bool(session.acks)
