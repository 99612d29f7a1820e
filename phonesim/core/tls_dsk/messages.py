"""What the TLS-DSK session takes, sends and hands on, and how it can fail: plain values."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from phonesim.codec.tls_dsk.keys import SigningKeys
from phonesim.core.profile import TlsDskBehaviour

SA_LIFETIME_CAP = 8 * 3600.0
"""MS-SIPAE §3.2.2: a security association lasts at most eight hours."""
KEEP_ALIVE = b"\r\n\r\n"


class InnerHandshake(Protocol):
    """One inner TLS handshake, client side (`phonesim.codec.tls_dsk.handshake.TlsDskClient`)."""

    complete: bool

    def step(self, token: bytes = b"") -> bytes: ...

    @property
    def keys(self) -> SigningKeys: ...

    @property
    def cipher(self) -> str: ...

    @property
    def version(self) -> str: ...


class SigningCredential(Protocol):
    """The phone's certificate and private key, held by the driver that generated the key:
    the core only asks it for a fresh inner handshake presenting them, in the TLS the
    profile gives."""

    def handshake(self, tls: TlsDskBehaviour) -> InnerHandshake: ...


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
    REDIRECT_WITHOUT_CONTACT = "redirect_without_contact"
    """A signed 301 whose first Contact names no host the phone can go to."""
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


@dataclass(frozen=True, slots=True)
class SignedOut:
    """The registrar's signed `200 OK` to the REGISTER with `Expires: 0`: the binding is gone."""

    status: int = 200


@dataclass(frozen=True, slots=True)
class Redirected:
    """A verified `301` to the signed REGISTER: a Director sends the phone to its home
    pool, named by the first `Contact` (`tls-dsk.md` §3.6, pidgin-sipe reconnects there)."""

    host: str
    port: int
    transport: str
    expires: int | None = None


SessionStep = Registered | Redirected | SignedOut | SessionFailed | None


class Phase(StrEnum):
    CHALLENGE = "challenge"
    """An unsigned REGISTER is out, to be challenged afresh."""
    HANDSHAKE = "handshake"
    SIGNING = "signing"
    """The REGISTER completing the handshake, signed, is out."""
    REFRESH = "refresh"
    IDLE = "idle"
    """Registered, nothing asked."""
    SIGN_OUT = "sign_out"
    """The signed REGISTER with `Expires: 0` is out."""
    SIGNED_OUT = "signed_out"
    FAILED = "failed"
