"""One phone's registration with one registrar: the machine the package docstring describes."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from phonesim.codec.ocauthws.diagnostics import MsDiagnostics
from phonesim.codec.sip_message import SipResponse, parse_response
from phonesim.codec.sip_security_header import (
    MalformedSecurityHeader,
    SecurityHeader,
)
from phonesim.codec.tls_dsk.handshake_failures import (
    CertificateRefused,
    RefusedByPeer,
    TlsDskHandshakeFailed,
)
from phonesim.core.identity import RandomSource
from phonesim.core.profile import DeviceProfile
from phonesim.core.tls_dsk.messages import (
    SA_LIFETIME_CAP,
    Challenge,
    Fault,
    InnerHandshake,
    Phase,
    Redirected,
    Registered,
    RegistrarMessage,
    SendKeepAlive,
    SendSip,
    SessionCommand,
    SessionFailed,
    SessionStep,
    SignedOut,
)
from phonesim.core.tls_dsk.register_request import (
    Association,
    Endpoint,
    handshake_register,
    register,
    signed_register,
)
from phonesim.core.tls_dsk.registrar_answers import (
    diagnostics_of,
    granted_expires,
    keep_alive_timeout,
    own_gruu,
    redirect_target,
    server_signature_problem,
    tls_dsk_header,
)
from phonesim.errors import PhonesimError

ASSOCIATION_ENDING = "association_ending"
"""A new association on the phone's own timer, before min(certificate expiry, 8 h)."""
REGISTRAR_FORGOT = "registrar_forgot"
"""A new association because a refresh was answered 401: the registrar had ended it."""


class TlsDskSession:
    """One phone's registration with one registrar over one SIP connection."""

    # A fleet holds one per registered phone, for the whole hold.
    __slots__ = (
        "_deadline",
        "_engine",
        "_handshakes",
        "_last_sent",
        "_opaque",
        "_out",
        "_rng",
        "_sa_established_at",
        "_wall_time",
        "association",
        "certificate_not_after",
        "challenge",
        "cnum",
        "cseq",
        "endpoint",
        "handshakes",
        "ignored",
        "keep_alive",
        "negotiated",
        "phase",
        "profile",
        "registration",
        "renewal_cause",
    )

    def __init__(
        self,
        profile: DeviceProfile,
        endpoint: Endpoint,
        challenge: Challenge,
        *,
        handshakes: Callable[[], InnerHandshake],
        certificate_not_after: float,
        wall_time: Callable[[float], float],
        rng: RandomSource,
        first_cseq: int = 2,
    ) -> None:
        self.profile = profile
        self.endpoint = endpoint
        self.challenge = challenge
        self._handshakes = handshakes
        self.certificate_not_after = certificate_not_after
        """The phone's certificate's end, unix seconds: it bounds the association."""
        self._wall_time = wall_time
        self._rng = rng
        self._out: list[SessionCommand] = []
        self.phase = Phase.HANDSHAKE
        self.cseq = first_cseq - 1
        """All REGISTERs of a sign-in share the Call-ID and count CSeq up (§1.1)."""
        self.cnum = 0
        """Counts every signed message and is never reset, as pidgin-sipe's (§1.7)."""
        self._deadline: float | None = None
        self._engine: InnerHandshake | None = None
        self._opaque: str | None = None
        self.association: Association | None = None
        self.registration: Registered | None = None
        self.handshakes = 0
        self.negotiated: tuple[str, str] | None = None
        """(version, cipher) of the last handshake completed."""
        self._sa_established_at = 0.0
        self._last_sent = 0.0
        self.keep_alive = profile.tls_dsk.keep_alive
        self.ignored = 0
        self.renewal_cause: str | None = None
        """Why the latest new association was made: `association_ending` (the phone's own
        timer) or `registrar_forgot` (a refresh answered 401: the registrar ended it first)."""
        """Answers to nothing asked (a retransmission, a stale CSeq)."""

    # ------------------------------------------------------------------ the machine

    def start(self, now: float) -> SessionStep:
        """Begin the handshake the 401 asked for."""
        return self._begin_handshake(now)

    def handle(self, event: RegistrarMessage, now: float) -> SessionStep:
        if self.phase in (Phase.IDLE, Phase.FAILED, Phase.SIGNED_OUT) or self._deadline is None:
            self.ignored += 1
            return None
        try:
            response = parse_response(event.data)
        except PhonesimError as error:
            return self._fail(Fault.MALFORMED, f"the registrar's answer: {error}")
        if not self._answers_current(response):
            self.ignored += 1
            return None
        if response.status < 200:
            return None  # provisional: the request is still under way
        self._deadline = None
        try:
            if self.phase is Phase.CHALLENGE:
                return self._challenged(response, now)
            if self.phase is Phase.HANDSHAKE:
                return self._handshake_answer(response, now)
            return self._register_answer(response, now)
        except MalformedSecurityHeader as error:
            return self._fail(Fault.MALFORMED, f"the registrar's {error.header}: {error.reason}")

    def countersign(self) -> tuple[Association, str, int]:
        """The association, a fresh `crand` and the next `cnum`, for a request other than a
        REGISTER signed under the association: one counter counts every signed message."""
        association = self.association
        assert association is not None
        self.cnum += 1
        return association, f"{self._rng.getrandbits(32):08x}", self.cnum

    def note_sent(self, now: float) -> None:
        """Something else went out on the connection: the keep-alive counts idle time from
        there."""
        self._last_sent = now

    def sign_out(self, now: float) -> SessionStep:
        """The signed REGISTER with `Expires: 0`; its signed 200 is `SignedOut`."""
        if self.phase is not Phase.IDLE or self.association is None:
            return None
        self._send_signed(now, Phase.SIGN_OUT, expires=0)
        return None

    def next_deadline(self) -> float | None:
        if self.phase in (Phase.FAILED, Phase.SIGNED_OUT):
            return None
        due = [] if self._deadline is None else [self._deadline]
        registration = self.registration
        if registration is not None:
            due.append(self._last_sent + self.keep_alive)
            if self.phase is Phase.IDLE:
                due += [registration.refresh_at, registration.sa_renew_at]
        return min(due) if due else None

    def handle_timer(self, now: float) -> SessionStep:
        if self.phase in (Phase.FAILED, Phase.SIGNED_OUT):
            return None
        if self._deadline is not None and now >= self._deadline:
            return self.no_answer()
        registration = self.registration
        if registration is None:
            return None
        step: SessionStep = None
        if self.phase is Phase.IDLE and now >= registration.sa_renew_at:
            step = self._renew_association(now)
        elif self.phase is Phase.IDLE and now >= registration.refresh_at:
            self._send_signed(now, Phase.REFRESH)
        if now >= self._last_sent + self.keep_alive:
            self._out.append(SendKeepAlive())
            self._last_sent = now
        return step

    def no_answer(self) -> SessionStep:
        """The REGISTER out has had no answer in the profile's SIP timeout: whoever owns the
        request's deadline (the session itself, or the phone's requests) says so."""
        if self.phase in (Phase.IDLE, Phase.FAILED, Phase.SIGNED_OUT):
            return None
        timeout = self.profile.sip.timeout
        return self._fail(
            Fault.TIMEOUT,
            f"no answer to REGISTER (CSeq {self.cseq}, {self.phase}) within {timeout:g} s",
            phase=str(self.phase),
            cseq=self.cseq,
        )

    def take(self) -> list[SessionCommand]:
        """What to send, in order, since the last call."""
        out, self._out = self._out, []
        return out

    # ------------------------------------------------------------------ handshake

    def _begin_handshake(self, now: float) -> SessionStep:
        self.association = None
        self._opaque = None
        self._engine = self._handshakes()
        try:
            token = self._engine.step(b"")
        except TlsDskHandshakeFailed as failure:
            return self._handshake_failed(failure)
        self.phase = Phase.HANDSHAKE
        self._send_handshake(token, now)
        return None

    def _send_handshake(self, token: bytes, now: float) -> None:
        self.cseq += 1
        self._send(
            handshake_register(
                self.endpoint,
                cseq=self.cseq,
                branch=self._branch(),
                expires=self.profile.tls_dsk.register_expires,
                token=token,
                realm=self.challenge.realm,
                targetname=self.challenge.targetname,
                opaque=self._opaque,
            ),
            now,
        )

    def _handshake_answer(self, response: SipResponse, now: float) -> SessionStep:
        header = tls_dsk_header(response, "WWW-Authenticate")
        token = None if header is None else header.gssapi_data("WWW-Authenticate")
        diagnostics = diagnostics_of(response)
        if response.status != 401 or header is None or token is None or diagnostics is not None:
            return self._handshake_refused(response, token, diagnostics)
        if self._opaque is None:
            self._opaque = header.opaque
        if self._opaque is None or header.opaque != self._opaque:
            return self._fail(
                Fault.MALFORMED,
                f"the registrar's handshake 401 has opaque {header.opaque!r}, "
                f"expected {self._opaque!r}",
            )
        assert self._engine is not None
        try:
            flight = self._engine.step(token)
        except TlsDskHandshakeFailed as failure:
            return self._handshake_failed(failure)
        if flight:
            self._send_handshake(flight, now)
            return None
        if not self._engine.complete:
            return self._fail(
                Fault.UNEXPECTED_ANSWER, "the registrar's flight left the handshake unfinished"
            )
        self.association = Association(
            self._opaque, self.challenge.realm, self.challenge.targetname, self._engine.keys
        )
        self.negotiated = (self._engine.version, self._engine.cipher)
        self._engine = None
        self.handshakes += 1
        self._sa_established_at = now
        self._send_signed(now, Phase.SIGNING, version=self.challenge.version)
        return None

    def _handshake_refused(
        self, response: SipResponse, token: bytes | None, diagnostics: MsDiagnostics | None
    ) -> SessionStep:
        """The registrar ended the rounds; its alert, if it sent one, says why."""
        alert = None
        if token and self._engine is not None:
            try:
                self._engine.step(token)
            except RefusedByPeer as refused:
                alert = refused.alert
            except TlsDskHandshakeFailed:
                pass
        if response.status == 401 and diagnostics is None and alert is None:
            return self._fail(
                Fault.UNEXPECTED_ANSWER,
                "the registrar's handshake 401 carries no TLS-DSK flight",
                status=response.status,
            )
        fault = Fault.HANDSHAKE_REFUSED if response.status == 401 else Fault.REFUSED
        return self._refused(fault, "refused the handshake", response, diagnostics, alert=alert)

    def _handshake_failed(self, failure: TlsDskHandshakeFailed) -> SessionStep:
        evidence: dict[str, Any] = {"what": failure.what, "tls_reason": failure.reason}
        if isinstance(failure, CertificateRefused):
            evidence.update(verify_error=failure.verify_error, subject=failure.subject)
        return self._fail(
            Fault.HANDSHAKE_FAILED,
            f"TLS-DSK handshake: {failure.what} ({failure.reason})",
            **evidence,
        )

    # ------------------------------------------------------------------ signed REGISTERs

    def _send_signed(
        self, now: float, phase: Phase, *, version: int | None = None, expires: int | None = None
    ) -> None:
        association = self.association
        assert association is not None
        self.cseq += 1
        self.cnum += 1
        self.phase = phase
        self._send(
            signed_register(
                self.endpoint,
                association,
                cseq=self.cseq,
                branch=self._branch(),
                expires=self.profile.tls_dsk.register_expires if expires is None else expires,
                crand=f"{self._rng.getrandbits(32):08x}",
                cnum=self.cnum,
                version=version,
            ),
            now,
        )

    def _register_answer(self, response: SipResponse, now: float) -> SessionStep:
        if response.status == 401 and self.phase is Phase.REFRESH:
            # The registrar forgot the association (expired, restarted): start over (§1.8).
            challenge = tls_dsk_header(response, "WWW-Authenticate")
            if challenge is not None and challenge.get("gssapi-data") is None:
                self.renewal_cause = REGISTRAR_FORGOT
                return self._rechallenged(challenge, now)
        checked = self._check_signature(response)
        if checked is not None:
            return checked
        if response.status == 200 and self.phase is Phase.SIGN_OUT:
            self.phase = Phase.SIGNED_OUT
            self.registration = None
            return SignedOut(response.status)
        if response.status == 200:
            return self._registered(response, now)
        if response.status == 301:
            return self._redirected(response)
        diagnostics = diagnostics_of(response)
        if response.status == 401:
            return self._refused(
                Fault.SIGNATURE_REFUSED, "refused the signed REGISTER", response, diagnostics
            )
        return self._refused(Fault.REFUSED, "refused the REGISTER", response, diagnostics)

    def _check_signature(self, response: SipResponse) -> SessionFailed | None:
        association = self.association
        assert association is not None
        problem = server_signature_problem(response, association)
        if problem is None:
            return None
        fault, message, evidence = problem
        return self._fail(fault, message, **evidence)

    def _registered(self, response: SipResponse, now: float) -> SessionStep:
        headers = response.headers
        expires = granted_expires(response, self.profile.tls_dsk.register_expires)
        keep_alive = keep_alive_timeout(headers.get("ms-keep-alive"))
        if keep_alive is not None:
            self.keep_alive = keep_alive
        before = self.profile.tls_dsk.refresh_before
        refresh_in = expires - before if expires > before else expires / 2
        remaining = self.certificate_not_after - self._wall_time(self._sa_established_at)
        lifetime = max(0.0, min(remaining, SA_LIFETIME_CAP))
        margin = self.profile.tls_dsk.sa_renewal_margin
        renew_in = lifetime - margin if lifetime > margin else lifetime
        allow = headers.get("Allow-Events") or ""
        self.phase = Phase.IDLE
        self.registration = Registered(
            expires=expires,
            keep_alive=self.keep_alive,
            refresh_at=now + refresh_in,
            sa_expires_at=self._sa_established_at + lifetime,
            sa_renew_at=self._sa_established_at + renew_in,
            # Interned: the same few names for every phone, kept for the whole hold.
            allow_events=tuple(sys.intern(event) for event in allow.split(",") if event),
            gruu=own_gruu(headers.get_all("Contact"), self.endpoint.epid),
            handshakes=self.handshakes,
        )
        return self.registration

    def _redirected(self, response: SipResponse) -> SessionStep:
        """A Director's signed 301: this registrar's part is over (the phone signs in
        afresh at the home pool, with a new handshake there)."""
        target = redirect_target(response.headers.get_all("Contact"))
        if target is None:
            contact = response.headers.get("Contact")
            return self._fail(
                Fault.REDIRECT_WITHOUT_CONTACT,
                f"the registrar redirected the phone ({response.status} {response.reason}) "
                f"without a Contact it can go to ({contact!r})",
                status=response.status,
                contact=contact,
            )
        self._deadline = None
        self.phase = Phase.FAILED
        host, port, transport = target
        expires = granted_expires(response, 0)
        return Redirected(host, port, transport, expires or None)

    # ------------------------------------------------------------------ a new association

    def _renew_association(self, now: float) -> SessionStep:
        """As pidgin-sipe's `do_reauthenticate_cb`: drop the association and ask afresh."""
        self.renewal_cause = ASSOCIATION_ENDING
        self.association = None
        self.phase = Phase.CHALLENGE
        self.cseq += 1
        self._send(
            register(
                self.endpoint,
                cseq=self.cseq,
                branch=self._branch(),
                expires=self.profile.tls_dsk.register_expires,
            ),
            now,
        )
        return None

    def _challenged(self, response: SipResponse, now: float) -> SessionStep:
        challenge = tls_dsk_header(response, "WWW-Authenticate")
        if response.status != 401 or challenge is None:
            return self._refused(
                Fault.REFUSED, "offered no TLS-DSK challenge", response, diagnostics_of(response)
            )
        return self._rechallenged(challenge, now)

    def _rechallenged(self, header: SecurityHeader, now: float) -> SessionStep:
        realm = header.realm or self.challenge.realm
        targetname = header.targetname or self.challenge.targetname
        self.challenge = Challenge(realm, targetname, header.version or self.challenge.version)
        return self._begin_handshake(now)

    # ------------------------------------------------------------------ helpers

    def _answers_current(self, response: SipResponse) -> bool:
        number, _, method = (response.headers.get("CSeq") or "").partition(" ")
        return (
            number.strip() == str(self.cseq)
            and method.strip().upper() == "REGISTER"
            and response.headers.get("Call-ID") == self.endpoint.call_id
        )

    def _send(self, data: bytes, now: float) -> None:
        self._out.append(SendSip(data))
        self._last_sent = now
        self._deadline = now + self.profile.sip.timeout

    def _branch(self) -> str:
        return f"z9hG4bK{self._rng.getrandbits(64):016x}"

    def _refused(
        self,
        fault: Fault,
        what: str,
        response: SipResponse,
        diagnostics: MsDiagnostics | None,
        **evidence: Any,
    ) -> SessionFailed:
        said = f"{response.status} {response.reason}"
        if diagnostics is not None:
            said += f'; ms-diagnostics {diagnostics.error_id} "{diagnostics.reason}"'
            evidence.update(error_id=diagnostics.error_id, server_reason=diagnostics.reason)
        if evidence.get("alert"):
            said += f"; TLS alert {evidence['alert']}"
        return self._fail(
            fault, f"the registrar {what} ({said})", status=response.status, **evidence
        )

    def _fail(self, fault: Fault, message: str, **evidence: Any) -> SessionFailed:
        self.phase = Phase.FAILED
        self._deadline = None
        self._engine = None
        return SessionFailed(fault, message, {k: v for k, v in evidence.items() if v is not None})


__all__ = [
    "Challenge",
    "Fault",
    "InnerHandshake",
    "Phase",
    "Redirected",
    "Registered",
    "RegistrarMessage",
    "SendKeepAlive",
    "SendSip",
    "SessionCommand",
    "SessionFailed",
    "SessionStep",
    "SignedOut",
    "TlsDskSession",
]
