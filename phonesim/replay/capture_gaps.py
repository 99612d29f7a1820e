"""Findings that blame the capture, not the site, for what the capture lacks.

On a live network a phone that gets no DHCP answer means the site's DHCP did
not answer. In a capture it can also mean the answers were never recorded: a
mirror port that copies one direction only, a capture filter, a file stopped
or cut before the answer came. Which of these it was shows in the capture
itself, so these findings carry the capture's evidence (the captured xid, the
frame numbers and byte offsets, where the file ends), never the replayed
phone's own retransmissions, transaction id or timers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from phonesim.diagnosis import Finding
from phonesim.diagnosis.finding import SEVERITIES
from phonesim.replay.capture_skim import CaptureCoverage
from phonesim.replay.sessions import DhcpSession, SessionMessage

NO_SERVER_TRAFFIC = "capture.no_server_traffic"
ENDS_BEFORE_ANSWER = "capture.ends_before_answer"
DHCP_NO_ANSWER = "dhcp.no_answer"
SIGNIN_FAILED = "signin.failed"
REPLACED = (DHCP_NO_ANSWER, SIGNIN_FAILED)
"""What a capture gap stands in for: one root cause, one finding."""

RESEND_HINT = (
    "Ask the DHCP server today instead: `phonesim replay CAPTURE --session {session} --resend "
    "--dhcp-server <server>` re-sends this DHCPINFORM and shows the live answer."
)
REPLAY_TIMELINE_HINT = (
    "Read the replay's timeline above around this step: every answer the phone read comes "
    "from a captured frame named in the session's list."
)


def frames(messages: Sequence[SessionMessage]) -> str:
    numbers = [str(m.record) for m in messages]
    return ("frame " if len(numbers) == 1 else "frames ") + ", ".join(numbers)


def informs(session: DhcpSession) -> str:
    """The session's INFORMs as a sentence's subject: `DHCPINFORM (xid 0x..., frame 5) is`."""
    requests = session.requests
    what = "DHCPINFORM" if len(requests) == 1 else f"{len(requests)} DHCPINFORMs"
    verb = "is" if len(requests) == 1 else "are"
    return f"{what} (xid 0x{session.xid:08x}, {frames(requests)}) {verb}"


def capture_evidence(session: DhcpSession) -> dict[str, Any]:
    """The captured requests of an unanswered session: what a user can find in Wireshark."""
    requests = session.requests
    return {
        "captured_xid": f"0x{session.xid:08x}",
        "client_mac": session.client_mac,
        "inform_frames": [m.record for m in requests],
        "inform_offsets": [m.offset for m in requests],
    }


class CaptureGapJudge:
    """Decides, for a session the capture holds no answer to, whose gap it is."""

    def __init__(
        self, session: DhcpSession, coverage: CaptureCoverage, *, phone_waits: float, device: str
    ) -> None:
        self.session = session
        self.coverage = coverage
        self.phone_waits = phone_waits
        """Seconds from its first DHCPINFORM that the profile's phone listens for an answer."""
        self.device = device
        """The profile's model, as the explanation names it ("the Polycom CX600")."""

    @property
    def unanswered(self) -> bool:
        return not self.session.answers and bool(self.session.requests)

    @property
    def captured_after(self) -> float:
        """Seconds of capture after the session's first request."""
        last = self.coverage.last_time
        return 0.0 if last is None else max(0.0, last - self.session.first_time)

    @property
    def ends_too_soon(self) -> bool:
        return self.coverage.complete and self.captured_after < self.phone_waits

    def finding(self, *, explains: bool) -> Finding | None:
        """The capture's finding for this session, or None when the capture covers it."""
        if not self.unanswered:
            return None
        if self.coverage.dhcp_server_messages == 0:
            return self._no_server_traffic(explains)
        if self.ends_too_soon:
            return self._ends_before_answer(explains)
        return None

    def rewrite(self, found: Sequence[Finding], *, explains: bool) -> list[Finding]:
        """The diagnosis of a replayed session with the capture's evidence in place."""
        if not self.unanswered:
            return [without_device_log(f) for f in found]
        gap = self.finding(explains=explains)
        if gap is not None:
            return _ranked([gap, *(f for f in found if f.id not in REPLACED)])
        # The capture covers the phone's wait and holds other servers' answers: the site
        # did not answer. The finding stays, with what the capture shows as its evidence.
        return [
            self._site_did_not_answer(f) if f.id == DHCP_NO_ANSWER else without_device_log(f)
            for f in found
        ]

    # ------------------------------------------------------------------ findings

    def _end_of_file(self) -> str:
        coverage = self.coverage
        error = coverage.error
        if error is not None and error.offset is not None:
            return f"the file breaks off at byte {error.offset}"
        return f"the file ends at byte {coverage.end_offset}"

    def _damage(self) -> str:
        error = self.coverage.error
        return "" if error is None else f" The file is damaged there: {error.reason}."

    def _no_server_traffic(self, explains: bool) -> Finding:
        session = self.session
        coverage = self.coverage
        scope = "the capture holds no server→client DHCP traffic"
        if not coverage.complete:
            # The session came out while the file was still being read: claim only that part.
            scope += f" in its first {coverage.frames} frames"
        ending = ""
        if self.ends_too_soon:
            ending = (
                f" The capture also stops {self.captured_after:.1f} s after the phone's first "
                f"DHCPINFORM: {self._end_of_file()}."
            )
        return Finding(
            id=NO_SERVER_TRAFFIC,
            severity="error" if explains else "warning",
            title=f"{scope[0].upper()}{scope[1:]}; answers may not have been captured",
            explanation=(
                f"The phone's {informs(session)} in the capture, but no DHCP message from any "
                "server is, to this client or another. A mirror port that copies one direction "
                "only, or a capture filter, misses the unicast replies; the replayed phone had "
                f"nothing to read, so this replay cannot tell whether the site answered.{ending}"
            ),
            evidence={
                **capture_evidence(session),
                "dhcp_messages_from_servers": 0,
                "frames_read": coverage.frames,
                "capture_read_to_end": coverage.complete,
            },
            remediation=(
                "Capture where the replies pass: mirror the phone's switch port in both "
                "directions (rx and tx), or capture on the DHCP server or relay, with no "
                "filter that keeps only the phone's broadcasts.",
                RESEND_HINT.format(session=session.number),
            ),
            priority=5,
        )

    def _ends_before_answer(self, explains: bool) -> Finding:
        session = self.session
        coverage = self.coverage
        last = session.messages[-1]
        error = coverage.error
        evidence: dict[str, Any] = {
            **capture_evidence(session),
            "last_frame_of_session": last.record,
            "frames_in_capture": coverage.frames,
            "seconds_captured_after_inform": round(self.captured_after, 6),
            "phone_listens_seconds": self.phone_waits,
        }
        if error is not None and error.offset is not None:
            evidence["file_cut_at_byte"] = error.offset
            evidence["capture_error"] = error.reason
        else:
            evidence["file_ends_at_byte"] = coverage.end_offset
        return Finding(
            id=ENDS_BEFORE_ANSWER,
            severity="error" if explains else "warning",
            title=f"No answer in the capture after frame {last.record}; {self._end_of_file()}",
            explanation=(
                f"The phone's {informs(session)} followed by only {self.captured_after:.1f} s of "
                f"capture, and {self.device} listens {self.phone_waits:g} s for an answer "
                "(it sends its DHCPINFORM again meanwhile): the answer may have come "
                f"after the capture stopped.{self._damage()} This replay cannot tell whether the "
                "site answered."
            ),
            evidence=evidence,
            remediation=(
                f"Capture again and keep capturing at least {self.phone_waits:g} s after the "
                "phone's DHCPINFORM (a ring buffer, `dumpcap -b`, keeps a long capture small).",
                RESEND_HINT.format(session=session.number),
            ),
            priority=5,
        )

    def _site_did_not_answer(self, finding: Finding) -> Finding:
        session = self.session
        coverage = self.coverage
        return replace(
            finding,
            explanation=(
                f"The phone's {informs(session)} in the capture, with vendor class "
                f"{session.vendor_class or '(none)'}; the capture goes on "
                f"{self.captured_after:.0f} s after the first and holds no answer to it, "
                f"though it holds {coverage.dhcp_server_messages} DHCP message(s) from "
                "servers to other exchanges. Without option 43 (the certificate service URL) "
                "and option 120 (the registrar) the phone falls back to DNS."
            ),
            evidence={
                **capture_evidence(session),
                "seconds_captured_after_inform": round(self.captured_after, 6),
                "dhcp_messages_from_servers": coverage.dhcp_server_messages,
            },
        )


def _ranked(findings: list[Finding]) -> list[Finding]:
    """Root cause first, as the diagnosis layer ranks them."""
    return sorted(findings, key=lambda f: (SEVERITIES.index(f.severity), f.priority))


def without_device_log(finding: Finding) -> Finding:
    """A replay has no device log to read: the generic finding points at what it does have."""
    if finding.id != SIGNIN_FAILED:
        return finding
    return replace(finding, remediation=(REPLAY_TIMELINE_HINT,))
