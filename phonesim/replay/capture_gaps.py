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
from phonesim.diagnosis.finding_texts import FindingTexts
from phonesim.replay.capture_skim import CaptureCoverage
from phonesim.replay.sessions import DhcpSession

TEXTS = FindingTexts.load("phonesim.replay", "capture_findings.toml")
NO_SERVER_TRAFFIC = TEXTS["capture.no_server_traffic"]
ENDS_BEFORE_ANSWER = TEXTS["capture.ends_before_answer"]
SITE_DID_NOT_ANSWER = TEXTS["dhcp.no_answer"]
"""A replay's words for the diagnosis' `dhcp.no_answer`: what the capture shows."""
WITHOUT_DEVICE_LOG = TEXTS["signin.failed"]
"""A replay's fix for the diagnosis' `signin.failed`: it has a timeline, not a device log."""
DHCP_NO_ANSWER = SITE_DID_NOT_ANSWER.id
SIGNIN_FAILED = WITHOUT_DEVICE_LOG.id
REPLACED = (DHCP_NO_ANSWER, SIGNIN_FAILED)
"""What a capture gap stands in for: one root cause, one finding."""


def informs(session: DhcpSession) -> dict[str, Any]:
    """The session's INFORMs as the `informs` text names them: `DHCPINFORM (xid 0x..., frame
    5) is`, or `4 DHCPINFORMs (xid 0x..., frames 1, 2, 3, 4) are`."""
    requests = session.requests
    return {
        "informs": "one" if len(requests) == 1 else "many",
        "inform_count": len(requests),
        "captured_xid": f"0x{session.xid:08x}",
        "inform_frames": ", ".join(str(m.record) for m in requests),
    }


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

    def _end_of_file(self) -> dict[str, Any]:
        """Where the file ends, as the `end_of_file` text says it."""
        coverage = self.coverage
        error = coverage.error
        broken = error is not None and error.offset is not None
        return {
            "end_of_file": "broken" if broken else "ended",
            "cut_at_byte": None if error is None else error.offset,
            "end_offset": coverage.end_offset,
        }

    def _no_server_traffic(self, explains: bool) -> Finding:
        session = self.session
        coverage = self.coverage
        return NO_SERVER_TRAFFIC.finding(
            severity="error" if explains else "warning",
            evidence={
                **capture_evidence(session),
                "dhcp_messages_from_servers": 0,
                "frames_read": coverage.frames,
                "capture_read_to_end": coverage.complete,
            },
            priority=5,
            # The session came out while the file was still being read: claim only that part.
            read_so_far="whole" if coverage.complete else "part",
            frames_read=coverage.frames,
            ending="early" if self.ends_too_soon else "covered",
            captured_after=self.captured_after,
            session=session.number,
            **informs(session),
            **self._end_of_file(),
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
        return ENDS_BEFORE_ANSWER.finding(
            severity="error" if explains else "warning",
            evidence=evidence,
            priority=5,
            last_frame=last.record,
            captured_after=self.captured_after,
            device=self.device,
            phone_waits=self.phone_waits,
            damage="none" if error is None else "damaged",
            damage_reason=None if error is None else error.reason,
            session=session.number,
            **informs(session),
            **self._end_of_file(),
        )

    def _site_did_not_answer(self, finding: Finding) -> Finding:
        session = self.session
        coverage = self.coverage
        rewritten = SITE_DID_NOT_ANSWER.rewrite(
            finding,
            vendor="named" if session.vendor_class else "none",
            vendor_class=session.vendor_class,
            captured_after=self.captured_after,
            server_messages=coverage.dhcp_server_messages,
            **informs(session),
        )
        return replace(
            rewritten,
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
    return WITHOUT_DEVICE_LOG.rewrite(finding)
