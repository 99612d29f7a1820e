"""The phone's TLS-DSK sign-in after the registrar's 401, and staying registered.

A machine in the stage machines' manner (`start`, `handle`, `next_deadline`,
`handle_timer`), I/O-free: it is handed the registrar's SIP answers and the
time, and says what to send (`take()`). From the 401's TLS-DSK challenge it
runs the inner handshake in REGISTER/401 rounds (`tls-dsk.md` §1.1), signs a
REGISTER with the client key, and is registered once the `200 OK` carries the
registrar's valid signature: an answer signed wrongly, or not at all, is a
named failure and never taken as registered (pidgin-sipe drops the connection,
§1.7).

Then it keeps the phone registered on its own timers (§3.5): a signed
re-REGISTER `refresh_before` ahead of the Expires granted, a CRLF keep-alive
whenever nothing was sent for the `ms-keep-alive` timeout, and a new handshake
when the security association nears min(certificate expiry, 8 h) (MS-SIPAE
§3.2.2), which starts like pidgin-sipe's: an unsigned REGISTER, the 401, the
rounds. A 401 to a refresh (the registrar dropped the association) starts the
rounds at once. Every request has its deadline, the profile's SIP timeout.

The inner TLS engine is handed in (`handshakes`): the codec's pyOpenSSL client
fits, built by whoever holds the phone's certificate and key, so the private
key never enters the core.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from phonesim.codec.ocauthws.diagnostics import MsDiagnostics, parse_header
from phonesim.codec.sip_message import SipResponse, parse_response
from phonesim.codec.sip_security_header import (
    TLS_DSK,
    MalformedSecurityHeader,
    SecurityHeader,
    parse_security_header,
)
from phonesim.codec.tls_dsk.handshake import (
    CertificateRefused,
    RefusedByPeer,
    TlsDskHandshakeFailed,
)
from phonesim.codec.tls_dsk.keys import SigningKeys
from phonesim.codec.tls_dsk.signature import (
    SignatureCheck,
    SignatureParams,
    UnsignableMessage,
    signature_string,
    verify,
)
from phonesim.core.identity import RandomSource
from phonesim.core.profile import DeviceProfile
from phonesim.core.register_request import (
    Association,
    Endpoint,
    handshake_register,
    register,
    signed_register,
)
from phonesim.errors import PhonesimError

SA_LIFETIME_CAP = 8 * 3600.0
"""MS-SIPAE §3.2.2: a security association lasts at most eight hours."""
KEEP_ALIVE = b"\r\n\r\n"


class InnerHandshake(Protocol):
    """One inner TLS handshake, client side (`phonesim.codec.tls_dsk.handshake.TlsDskClient`)."""

    complete: bool

    def step(self, token: bytes = b"") -> bytes: ...

    @property
    def keys(self) -> SigningKeys: ...


@dataclass(frozen=True, slots=True)
class Challenge:
    """The registrar's TLS-DSK challenge, from its 401."""

    realm: str
    targetname: str
    version: int = 4


@dataclass(frozen=True, slots=True)
class RegistrarMessage:
    """What the registrar sent on the phone's SIP connection: one whole message."""

    data: bytes


@dataclass(frozen=True, slots=True)
class SendSip:
    data: bytes


@dataclass(frozen=True, slots=True)
class SendKeepAlive:
    """A CRLF keep-alive (`\\r\\n\\r\\n`) on the SIP connection."""

    data: bytes = KEEP_ALIVE


SessionCommand = SendSip | SendKeepAlive


class Fault(StrEnum):
    """How the sign-in or the registration failed, one name each."""

    TIMEOUT = "timeout"
    """No answer to a REGISTER within the profile's SIP timeout."""
    MALFORMED = "malformed"
    """An answer that is not a SIP response, or whose security headers cannot be read."""
    HANDSHAKE_FAILED = "handshake_failed"
    """The phone's own end of the inner handshake stopped (version, suites, the server's
    certificate, bytes that are not TLS)."""
    HANDSHAKE_REFUSED = "handshake_refused"
    """The registrar ended the handshake (its alert, its ms-diagnostics)."""
    SIGNATURE_REFUSED = "signature_refused"
    """The registrar did not accept the phone's signed REGISTER."""
    BAD_SERVER_SIGNATURE = "bad_server_signature"
    UNSIGNED_ANSWER = "unsigned_answer"
    """A final answer under an association without the registrar's signature."""
    REFUSED = "refused"
    """A final answer other than 200 or 401 to a REGISTER."""
    UNEXPECTED_ANSWER = "unexpected_answer"
    """An answer that does not fit the step, e.g. a 200 to a handshake round."""


@dataclass(frozen=True, slots=True)
class SessionFailed:
    fault: Fault
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"SessionFailed({self.fault}: {self.message})"


@dataclass(frozen=True, slots=True)
class Registered:
    """A verified `200 OK`: what the registrar granted, and when each timer falls due
    (the machine's clock)."""

    expires: int
    keep_alive: float
    refresh_at: float
    sa_expires_at: float
    """The association's end as the phone reckons it: min(certificate expiry, 8 h)."""
    sa_renew_at: float
    allow_events: tuple[str, ...]
    gruu: str | None
    handshakes: int
    """Handshakes completed so far, this one included."""


SessionStep = Registered | SessionFailed | None


class Phase(StrEnum):
    CHALLENGE = "challenge"
    """An unsigned REGISTER is out, to be challenged afresh."""
    HANDSHAKE = "handshake"
    SIGNING = "signing"
    """The REGISTER completing the handshake, signed, is out."""
    REFRESH = "refresh"
    IDLE = "idle"
    """Registered, nothing asked."""
    FAILED = "failed"


class TlsDskSession:
    """One phone's registration with one registrar over one SIP connection."""

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
        self._sa_established_at = 0.0
        self._last_sent = 0.0
        self.keep_alive = profile.tls_dsk.keep_alive
        self.ignored = 0
        """Answers to nothing asked (a retransmission, a stale CSeq)."""

    # ------------------------------------------------------------------ the machine

    def start(self, now: float) -> SessionStep:
        """Begin the handshake the 401 asked for."""
        return self._begin_handshake(now)

    def handle(self, event: RegistrarMessage, now: float) -> SessionStep:
        if self.phase in (Phase.IDLE, Phase.FAILED) or self._deadline is None:
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

    def next_deadline(self) -> float | None:
        if self.phase is Phase.FAILED:
            return None
        due = [] if self._deadline is None else [self._deadline]
        registration = self.registration
        if registration is not None:
            due.append(self._last_sent + self.keep_alive)
            if self.phase is Phase.IDLE:
                due += [registration.refresh_at, registration.sa_renew_at]
        return min(due) if due else None

    def handle_timer(self, now: float) -> SessionStep:
        if self.phase is Phase.FAILED:
            return None
        if self._deadline is not None and now >= self._deadline:
            timeout = self.profile.sip.timeout
            return self._fail(
                Fault.TIMEOUT,
                f"no answer to REGISTER (CSeq {self.cseq}, {self.phase}) within {timeout:g} s",
                phase=str(self.phase),
                cseq=self.cseq,
            )
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
        header = _tls_dsk_header(response, "WWW-Authenticate")
        token = None if header is None else header.gssapi_data("WWW-Authenticate")
        diagnostics = _diagnostics(response)
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

    def _send_signed(self, now: float, phase: Phase, *, version: int | None = None) -> None:
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
                expires=self.profile.tls_dsk.register_expires,
                crand=f"{self._rng.getrandbits(32):08x}",
                cnum=self.cnum,
                version=version,
            ),
            now,
        )

    def _register_answer(self, response: SipResponse, now: float) -> SessionStep:
        if response.status == 401 and self.phase is Phase.REFRESH:
            # The registrar forgot the association (expired, restarted): start over (§1.8).
            challenge = _tls_dsk_header(response, "WWW-Authenticate")
            if challenge is not None and challenge.get("gssapi-data") is None:
                return self._rechallenged(challenge, now)
        checked = self._check_signature(response)
        if checked is not None:
            return checked
        if response.status == 200:
            return self._registered(response, now)
        diagnostics = _diagnostics(response)
        if response.status == 401:
            return self._refused(
                Fault.SIGNATURE_REFUSED, "refused the signed REGISTER", response, diagnostics
            )
        return self._refused(Fault.REFUSED, "refused the REGISTER", response, diagnostics)

    def _check_signature(self, response: SipResponse) -> SessionFailed | None:
        """The registrar signs every final answer under the association; pidgin-sipe lets
        an unsigned 401 through (it carries a new challenge), and so does the phone."""
        association = self.association
        assert association is not None
        info = _tls_dsk_header(response, "Authentication-Info")
        if info is None:
            if response.status == 401:
                return None
            return self._fail(
                Fault.UNSIGNED_ANSWER,
                f"the registrar's {response.status} carries no Authentication-Info",
                status=response.status,
            )
        if info.opaque != association.opaque:
            return self._fail(
                Fault.BAD_SERVER_SIGNATURE,
                f"the registrar signed under opaque {info.opaque!r}, "
                f"not the association's {association.opaque!r}",
                status=response.status,
            )
        try:
            params = SignatureParams.from_header(info)
            text = signature_string(response, params, version=info.version or 4)
        except (MalformedSecurityHeader, UnsignableMessage) as error:
            return self._fail(
                Fault.BAD_SERVER_SIGNATURE,
                f"the registrar's signature: {error}",
                status=response.status,
            )
        keys = association.keys
        check = verify(keys.server, text, info.get("rspauth") or "", keys.digest)
        if check is SignatureCheck.VALID:
            return None
        return self._fail(
            Fault.BAD_SERVER_SIGNATURE,
            f"the registrar's signature on its {response.status} is {check}",
            status=response.status,
            check=str(check),
            snum=params.num,
        )

    def _registered(self, response: SipResponse, now: float) -> SessionStep:
        headers = response.headers
        expires = _expires(response, self.profile.tls_dsk.register_expires)
        keep_alive = _keep_alive_timeout(headers.get("ms-keep-alive"))
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
            allow_events=tuple(event for event in allow.split(",") if event),
            gruu=_gruu(headers.get_all("Contact"), self.endpoint.epid),
            handshakes=self.handshakes,
        )
        return self.registration

    # ------------------------------------------------------------------ a new association

    def _renew_association(self, now: float) -> SessionStep:
        """As pidgin-sipe's `do_reauthenticate_cb`: drop the association and ask afresh."""
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
        challenge = _tls_dsk_header(response, "WWW-Authenticate")
        if response.status != 401 or challenge is None:
            return self._refused(
                Fault.REFUSED, "offered no TLS-DSK challenge", response, _diagnostics(response)
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
            said += f"; ms-diagnostics {diagnostics.error_id}: {diagnostics.reason}"
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


def _tls_dsk_header(response: SipResponse, name: str) -> SecurityHeader | None:
    for value in response.headers.get_all(name):
        header = parse_security_header(name, value)
        if header.is_scheme(TLS_DSK):
            return header
    return None


def _diagnostics(response: SipResponse) -> MsDiagnostics | None:
    for name in ("ms-diagnostics", "ms-diagnostics-public"):
        value = response.headers.get(name)
        if value is not None:
            return parse_header(value)
    return None


def _expires(response: SipResponse, default: int) -> int:
    value = (response.headers.get("Expires") or "").strip()
    return int(value) if value.isdigit() else default


def _keep_alive_timeout(value: str | None) -> float | None:
    """`UAS; tcp=no; hop-hop=yes; end-end=no; timeout=300` → 300 ([MS-CONMGMT] §2.2.1)."""
    if value is None:
        return None
    for part in value.split(";"):
        name, _, number = part.strip().partition("=")
        if name.strip().lower() == "timeout" and number.strip().isdigit() and int(number) > 0:
            return float(number)
    return None


def _gruu(contacts: list[str], epid: str) -> str | None:
    """The `gruu` of the Contact that is this phone's, by its epid (pidgin-sipe matches its
    own `+sip.instance`; the lab's GRUU names the epid)."""
    for contact in contacts:
        start = contact.find('gruu="')
        if start < 0:
            continue
        value = contact[start + 6 : contact.find('"', start + 6)]
        if epid in value or epid in contact:
            return value
    return None


__all__ = [
    "Challenge",
    "Fault",
    "InnerHandshake",
    "Phase",
    "Registered",
    "RegistrarMessage",
    "SendKeepAlive",
    "SendSip",
    "SessionCommand",
    "SessionFailed",
    "SessionStep",
    "TlsDskSession",
]
