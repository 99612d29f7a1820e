"""One phone's registration with one registrar: the machine the package docstring describes.

What lives here is what changes over the registration's life: the phase, CSeq and cnum,
the deadlines and timers, the association. Each reading of one registrar answer is a
module of its own, with no state to keep: the handshake's rounds (`handshake_rounds.py`),
the verdict on a signed REGISTER's answer (`signed_answers.py`), what a 200 grants
(`registration_terms.py`), and how a failure or redirect is worded (`session_endings.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from phonesim.codec.sip_message import SipResponse, parse_response
from phonesim.codec.sip_security_header import (
    MalformedSecurityHeader,
    SecurityHeader,
)
from phonesim.core.identity import RandomSource
from phonesim.core.profile import DeviceProfile
from phonesim.core.tls_dsk.handshake_rounds import HandshakeRounds
from phonesim.core.tls_dsk.messages import (
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
    keep_alive_timeout,
    tls_dsk_header,
)
from phonesim.core.tls_dsk.registration_terms import registration
from phonesim.core.tls_dsk.session_endings import failure, refusal
from phonesim.core.tls_dsk.signed_answers import read_signed_answer
from phonesim.errors import PhonesimError

ASSOCIATION_ENDING = "association_ending"
"""A new association on the phone's own timer, before min(certificate expiry, 8 h)."""
REGISTRAR_FORGOT = "registrar_forgot"
"""A new association because a refresh was answered 401: the registrar had ended it."""

_Ending = TypeVar("_Ending", bound=Redirected | SessionFailed)


class TlsDskSession:
    """One phone's registration with one registrar over one SIP connection."""

    # A fleet holds one per registered phone, for the whole hold.
    __slots__ = (
        "_deadline",
        "_handshakes",
        "_last_sent",
        "_out",
        "_rng",
        "_rounds",
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
        self._rounds: HandshakeRounds | None = None
        """The handshake under way, none once the association is made."""
        self.association: Association | None = None
        self.registration: Registered | None = None
        self.handshakes = 0
        self.negotiated: tuple[str, str] | None = None
        """(version, cipher) of the last handshake completed."""
        self._sa_established_at = 0.0
        self._last_sent = 0.0
        self.keep_alive = profile.tls_dsk.keep_alive
        self.ignored = 0
        """Answers to nothing asked (a retransmission, a stale CSeq)."""
        self.renewal_cause: str | None = None
        """Why the latest new association was made: `association_ending` (the phone's own
        timer) or `registrar_forgot` (a refresh answered 401: the registrar ended it first)."""

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
        rounds = self._rounds = HandshakeRounds(self._handshakes(), self.challenge)
        token = rounds.first_flight()
        if isinstance(token, SessionFailed):
            return self._over(token)
        self.phase = Phase.HANDSHAKE
        self._send_handshake(token, now)
        return None

    def _send_handshake(self, token: bytes, now: float) -> None:
        assert self._rounds is not None
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
                opaque=self._rounds.opaque,
            ),
            now,
        )

    def _handshake_answer(self, response: SipResponse, now: float) -> SessionStep:
        rounds = self._rounds
        assert rounds is not None
        answer = rounds.answer(response)
        if isinstance(answer, SessionFailed):
            return self._over(answer)
        if isinstance(answer, bytes):
            self._send_handshake(answer, now)
            return None
        self.association = answer
        self.negotiated = rounds.negotiated
        self._rounds = None
        self.handshakes += 1
        self._sa_established_at = now
        self._send_signed(now, Phase.SIGNING, version=self.challenge.version)
        return None

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
        association = self.association
        assert association is not None
        answer = read_signed_answer(response, association, self.phase)
        if isinstance(answer, SecurityHeader):
            self.renewal_cause = REGISTRAR_FORGOT
            return self._rechallenged(answer, now)
        if isinstance(answer, SipResponse):
            return self._registered(answer, now)
        if isinstance(answer, SignedOut):
            self.phase = Phase.SIGNED_OUT
            self.registration = None
            return answer
        return self._over(answer)

    def _registered(self, response: SipResponse, now: float) -> SessionStep:
        keep_alive = keep_alive_timeout(response.headers.get("ms-keep-alive"))
        if keep_alive is not None:
            self.keep_alive = keep_alive
        self.phase = Phase.IDLE
        self.registration = registration(
            response,
            self.profile.tls_dsk,
            now=now,
            keep_alive=self.keep_alive,
            established_at=self._sa_established_at,
            certificate_left=self.certificate_not_after - self._wall_time(self._sa_established_at),
            epid=self.endpoint.epid,
            handshakes=self.handshakes,
        )
        return self.registration

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
            diagnostics = diagnostics_of(response)
            return self._over(
                refusal(Fault.REFUSED, "offered no TLS-DSK challenge", response, diagnostics)
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

    def _fail(self, fault: Fault, message: str, **evidence: Any) -> SessionFailed:
        return self._over(failure(fault, message, **evidence))

    def _over(self, ending: _Ending) -> _Ending:
        """This registrar's part is over: failed, or redirected elsewhere."""
        self.phase = Phase.FAILED
        self._deadline = None
        self._rounds = None
        return ending


__all__ = ["ASSOCIATION_ENDING", "REGISTRAR_FORGOT", "TlsDskSession"]
