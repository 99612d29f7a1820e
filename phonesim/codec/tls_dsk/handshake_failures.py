"""How a TLS-DSK inner handshake fails, as named errors.

Kept apart from the handshake engines so that the phone's core, which reads these
failures but never runs OpenSSL itself, does not load pyOpenSSL when it is imported.
"""

from __future__ import annotations

from phonesim.errors import PhonesimError


class UnusableTlsSettings(PhonesimError):
    """Inner TLS settings (profile data) or credentials OpenSSL cannot use."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"TLS-DSK settings: {reason}")


class TlsDskHandshakeFailed(PhonesimError):
    """The inner handshake stopped. `role` is the end that saw it ("client" or "server"),
    `reason` OpenSSL's words, `to_send` the alert record the peer should still get."""

    what = "handshake failed"

    def __init__(self, role: str, reason: str, to_send: bytes = b"") -> None:
        self.role = role
        self.reason = reason
        self.to_send = to_send
        super().__init__(f"TLS-DSK {role}: {self.what} ({reason})")


class CertificateRefused(TlsDskHandshakeFailed):
    """This end did not trust the certificate the peer presented."""

    what = "peer certificate refused"

    def __init__(
        self, role: str, reason: str, to_send: bytes = b"", *, verify_error: str, subject: str
    ) -> None:
        self.verify_error = verify_error
        self.subject = subject
        super().__init__(role, f"{reason}: {verify_error} for {subject}", to_send)


class RefusedByPeer(TlsDskHandshakeFailed):
    """The other end sent a fatal alert (e.g. `unknown ca` for a client certificate it
    does not trust, `protocol version`, `handshake failure`)."""

    what = "refused by the peer"

    def __init__(self, role: str, reason: str, to_send: bytes = b"") -> None:
        self.alert = reason.removeprefix("sslv3 alert ").removeprefix("tlsv1 alert ")
        super().__init__(role, reason, to_send)


class ProtocolVersionRefused(TlsDskHandshakeFailed):
    what = "no TLS version both ends allow"


class NoSharedCipher(TlsDskHandshakeFailed):
    what = "no cipher suite both ends allow"


class NoClientCertificate(TlsDskHandshakeFailed):
    what = "the client presented no certificate"


class NotTls(TlsDskHandshakeFailed):
    """Bytes that are not the TLS records the handshake expects at this point."""

    what = "not a TLS handshake flight"


class UnexpectedToken(TlsDskHandshakeFailed):
    what = "token after the end of the handshake"


__all__ = [
    "CertificateRefused",
    "NoClientCertificate",
    "NoSharedCipher",
    "NotTls",
    "ProtocolVersionRefused",
    "RefusedByPeer",
    "TlsDskHandshakeFailed",
    "UnexpectedToken",
    "UnusableTlsSettings",
]
