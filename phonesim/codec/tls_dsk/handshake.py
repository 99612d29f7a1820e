"""The inner TLS handshake of TLS-DSK, both roles, over pyOpenSSL memory BIOs.

TLS-DSK carries a whole TLS handshake in the `gssapi-data` of REGISTER/401 round
trips: the client's certificate (the one CertProv issued) authenticates the
phone, and the exported key block signs every SIP message after it. Each engine
is fed the bytes that arrived and hands back the bytes to send; it never touches
a socket, so the phone's driver, the lab registrar and the tests pump it alike.

The stdlib `ssl` module runs over memory BIOs too but cannot export keying
material (CPython gh-82133), hence pyOpenSSL. OpenSSL ≥ 3 refuses TLS 1.0 below
`@SECLEVEL=0`, and what a 2010 client never sends (session tickets, extended
master secret, encrypt-then-MAC) is switched off so the ClientHello carries no
extensions, like pidgin-sipe's and a Schannel-era phone's (`tls-dsk.md` §2.3).
Every OpenSSL error comes out as a `TlsDskHandshakeFailed` subclass naming what
went wrong, with OpenSSL's own reason kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from OpenSSL import SSL, crypto

from phonesim.codec.tls_dsk.handshake_failures import (
    CertificateRefused,
    NoClientCertificate,
    NoSharedCipher,
    NotTls,
    ProtocolVersionRefused,
    RefusedByPeer,
    TlsDskHandshakeFailed,
    UnexpectedToken,
    UnusableTlsSettings,
)
from phonesim.codec.tls_dsk.keys import KEY_BLOCK_LABEL, KEY_BLOCK_LENGTH, SigningKeys, signing_keys

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

TLS_VERSIONS = {
    "1.0": SSL.TLS1_VERSION,
    "1.1": SSL.TLS1_1_VERSION,
    "1.2": SSL.TLS1_2_VERSION,
}
LYNC_2010_CIPHERS = "AES128-SHA:AES256-SHA@SECLEVEL=0"
"""What pidgin-sipe offers that OpenSSL still has (`tls-dsk.md` §1.4): RSA key exchange."""

_NO_EXTENDED_MASTER_SECRET = 0x1  # SSL_OP_NO_EXTENDED_MASTER_SECRET, not named by pyOpenSSL
_NO_ENCRYPT_THEN_MAC = 0x80000  # SSL_OP_NO_ENCRYPT_THEN_MAC
_NO_CHECK_TIME = 0x200000  # X509_V_FLAG_NO_CHECK_TIME
_LEGACY_OPTIONS = SSL.OP_NO_TICKET | _NO_EXTENDED_MASTER_SECRET | _NO_ENCRYPT_THEN_MAC
_READ_CHUNK = 64 * 1024
_MAX_TOKEN = 256 * 1024
"""A handshake flight is a few KiB; more is not a TLS-DSK peer."""

_VERIFY_ERRORS = {
    2: "unable to get issuer certificate",
    7: "certificate signature failure",
    9: "certificate is not yet valid",
    10: "certificate has expired",
    18: "self-signed certificate",
    19: "self-signed certificate in certificate chain",
    20: "unable to get local issuer certificate",
    21: "unable to verify the first certificate",
    23: "certificate revoked",
    26: "unsupported certificate purpose",
}


@dataclass(frozen=True, slots=True)
class InnerTls:
    """The inner TLS a profile asks for: versions ("1.0", "1.1", "1.2") and OpenSSL's
    cipher string."""

    versions: tuple[str, ...] = ("1.0",)
    ciphers: str = LYNC_2010_CIPHERS


def _context(tls: InnerTls) -> SSL.Context:
    unknown = [v for v in tls.versions if v not in TLS_VERSIONS]
    if unknown or not tls.versions:
        raise UnusableTlsSettings(
            f"TLS versions {list(tls.versions)!r}: choose among {', '.join(TLS_VERSIONS)}"
        )
    numbers = [TLS_VERSIONS[v] for v in tls.versions]
    context = SSL.Context(SSL.TLS_METHOD)
    try:
        context.set_min_proto_version(min(numbers))
        context.set_max_proto_version(max(numbers))
        context.set_cipher_list(tls.ciphers.encode("ascii"))
    except (SSL.Error, UnicodeEncodeError) as error:
        raise UnusableTlsSettings(f"cipher string {tls.ciphers!r}: {_reason(error)}") from None
    context.set_options(_LEGACY_OPTIONS)
    return context


def _trust(context: SSL.Context, roots: Sequence[bytes]) -> None:
    """The roots to check the peer's chain against. OpenSSL would judge validity on the
    machine's clock; `_Verification` judges it on the caller's instead."""
    store = context.get_cert_store()
    if store is None:  # pragma: no cover - OpenSSL always gives a context a store
        raise UnusableTlsSettings("OpenSSL context without a certificate store")
    store.set_flags(_NO_CHECK_TIME)
    for der in roots:
        try:
            certificate = x509.load_der_x509_certificate(der)
        except ValueError as error:
            raise UnusableTlsSettings(
                f"a trusted root is not a DER certificate ({error})"
            ) from None
        store.add_cert(crypto.X509.from_cryptography(certificate))


class _Verification:
    """OpenSSL's verdict on the peer's chain, with validity judged on the caller's clock
    (the lab's may be virtual), and what was refused, so a refusal can name it."""

    def __init__(self, now: datetime | None) -> None:
        self.now = now
        self.error = ""
        self.subject = ""

    def __call__(
        self, _connection: SSL.Connection, certificate: crypto.X509, errno: int, depth: int, ok: int
    ) -> bool:
        if self.error:
            return False
        parsed = certificate.to_cryptography()
        if not ok:
            self.error = _VERIFY_ERRORS.get(errno, f"X509 verify error {errno}")
        elif self.now is not None and self.now < parsed.not_valid_before_utc:
            self.error = _VERIFY_ERRORS[9]
        elif self.now is not None and self.now > parsed.not_valid_after_utc:
            self.error = _VERIFY_ERRORS[10]
        else:
            return True
        self.subject = f"{parsed.subject.rfc4514_string()} (depth {depth})"
        return False


class TlsDskEngine:
    """One end of one handshake. `step(token)` feeds what arrived (b"" for the client's
    first flight) and returns what to send, b"" when there is nothing."""

    role = ""

    def __init__(self, connection: SSL.Connection, verification: _Verification) -> None:
        self._connection = connection
        self._verification = verification
        self._failure: TlsDskHandshakeFailed | None = None
        self.complete = False

    def step(self, token: bytes = b"") -> bytes:
        if self._failure is not None:
            raise self._failure
        if self.complete:
            if token:
                raise UnexpectedToken(self.role, f"{len(token)} bytes")
            return b""
        if len(token) > _MAX_TOKEN:
            self._fail(NotTls(self.role, f"{len(token)} bytes in one flight"))
        try:
            if token:
                self._connection.bio_write(token)
            self._connection.do_handshake()
            self.complete = True
        except SSL.WantReadError:
            pass
        except SSL.Error as error:
            self._fail(self._classify(_reason(error)))
        return self._pending()

    @property
    def key_block(self) -> bytes:
        """The 128 bytes of the RFC 5705 exporter, label `client EAP encryption`, no context."""
        self._require_complete()
        return self._connection.export_keying_material(KEY_BLOCK_LABEL, KEY_BLOCK_LENGTH)

    @property
    def keys(self) -> SigningKeys:
        return signing_keys(self.key_block, self.cipher)

    @property
    def cipher(self) -> str:
        self._require_complete()
        return self._connection.get_cipher_name() or ""

    @property
    def version(self) -> str:
        """OpenSSL's name of the negotiated version, e.g. `TLSv1`."""
        self._require_complete()
        return self._connection.get_protocol_version_name()

    @property
    def peer_certificate(self) -> bytes | None:
        """DER of the certificate the other end presented (the phone's, on the server)."""
        certificate = self._connection.get_peer_certificate(as_cryptography=True)
        return None if certificate is None else certificate.public_bytes(Encoding.DER)

    @property
    def connection(self) -> SSL.Connection:
        """The pyOpenSSL connection, for diagnostics (master secret, randoms)."""
        return self._connection

    def _require_complete(self) -> None:
        if not self.complete:
            raise TlsDskHandshakeFailed(self.role, "the handshake has not completed")

    def _pending(self) -> bytes:
        out = b""
        while True:
            try:
                out += self._connection.bio_read(_READ_CHUNK)
            except SSL.WantReadError:
                return out

    def _fail(self, failure: TlsDskHandshakeFailed) -> None:
        failure.to_send = self._pending()
        self._failure = failure
        raise failure

    def _classify(self, reason: str) -> TlsDskHandshakeFailed:
        if self._verification.error:
            return CertificateRefused(
                self.role,
                reason,
                verify_error=self._verification.error,
                subject=self._verification.subject,
            )
        if " alert " in f" {reason}":
            if "protocol version" in reason:
                return ProtocolVersionRefused(self.role, reason)
            return RefusedByPeer(self.role, reason)
        if "no shared cipher" in reason or "no ciphers available" in reason:
            return NoSharedCipher(self.role, reason)
        if "unsupported protocol" in reason or "version too low" in reason:
            return ProtocolVersionRefused(self.role, reason)
        if "did not return a certificate" in reason:
            return NoClientCertificate(self.role, reason)
        if reason in _NOT_TLS_REASONS:
            return NotTls(self.role, reason)
        return TlsDskHandshakeFailed(self.role, reason)


_NOT_TLS_REASONS = frozenset(
    {
        "wrong version number",
        "packet length too long",
        "record layer failure",
        "unexpected message",
        "length mismatch",
        "bad packet length",
        "unknown protocol",
        "http request",
        "decode error",
        "record length mismatch",
        "bad record mac",
        "decryption failed or bad record mac",
        "block cipher pad is wrong",
        "unexpected record",
        "bad change cipher spec",
        "excessive message size",
        "ccs received early",
        "digest check failed",
        "bad message type",
        "bad length",
        "encrypted length too long",
    }
)


class TlsDskClient(TlsDskEngine):
    role = "client"


class TlsDskServer(TlsDskEngine):
    role = "server"

    @property
    def client_certificate(self) -> bytes:
        """DER of the phone's certificate; the handshake cannot complete without one."""
        self._require_complete()
        der = self.peer_certificate
        if der is None:  # pragma: no cover - VERIFY_FAIL_IF_NO_PEER_CERT forbids it
            raise NoClientCertificate(self.role, "no certificate after the handshake")
        return der


class TlsDskClientSide:
    """The phone's end: one OpenSSL context per profile, one engine per handshake.

    pidgin-sipe never checks the inner server certificate (`tls-dsk.md` §1.4);
    whether a Lync Phone Edition phone does is unknown, so checking is a choice:
    with `server_roots`, the server must present a chain to one of them.
    """

    def __init__(self, tls: InnerTls = InnerTls(), *, server_roots: Sequence[bytes] = ()) -> None:
        self._context = _context(tls)
        self._verification = bool(server_roots)
        if server_roots:
            _trust(self._context, server_roots)

    def handshake(
        self, certificate: bytes, key: PrivateKey, *, now: datetime | None = None
    ) -> TlsDskClient:
        """A handshake presenting `certificate` (DER, as GetAndPublishCert returned it);
        `now`, the phone's clock, is needed when the server's certificate is checked."""
        if self._verification and now is None:
            raise UnusableTlsSettings("checking the server certificate needs the time")
        verification = _Verification(now)
        connection = SSL.Connection(self._context, None)
        if self._verification:
            connection.set_verify(SSL.VERIFY_PEER, verification)
        try:
            connection.use_certificate(x509.load_der_x509_certificate(certificate))
            connection.use_privatekey(key)
        except ValueError as error:
            raise UnusableTlsSettings(f"client certificate: {error}") from None
        except SSL.Error as error:
            raise UnusableTlsSettings(f"client certificate and key: {_reason(error)}") from None
        connection.set_connect_state()
        return TlsDskClient(connection, verification)


class TlsDskServerSide:
    """The registrar's end: it presents `certificate`/`key` and requires a client
    certificate that chains to one of `client_roots` (the CA CertProv signs with)."""

    def __init__(
        self,
        certificate: bytes,
        key: PrivateKey,
        *,
        client_roots: Sequence[bytes],
        tls: InnerTls = InnerTls(),
    ) -> None:
        if not client_roots:
            raise UnusableTlsSettings("a TLS-DSK server needs the roots of its clients")
        self._context = _context(tls)
        try:
            self._context.use_certificate(x509.load_der_x509_certificate(certificate))
            self._context.use_privatekey(key)
            self._context.check_privatekey()
        except ValueError as error:
            raise UnusableTlsSettings(f"server certificate: {error}") from None
        except SSL.Error as error:
            raise UnusableTlsSettings(f"server certificate and key: {_reason(error)}") from None
        _trust(self._context, client_roots)

    def handshake(self, *, now: datetime) -> TlsDskServer:
        """`now` is the lab's clock, against which client certificates are checked."""
        verification = _Verification(now)
        connection = SSL.Connection(self._context, None)
        connection.set_verify(SSL.VERIFY_PEER | SSL.VERIFY_FAIL_IF_NO_PEER_CERT, verification)
        connection.set_accept_state()
        return TlsDskServer(connection, verification)


def _reason(error: Exception) -> str:
    """OpenSSL's reason string(s) from a pyOpenSSL error (lib, function, reason triples)."""
    details = error.args[0] if error.args else None
    if isinstance(details, list):
        reasons = [str(item[-1]) for item in details if isinstance(item, tuple) and item]
        if reasons:
            return "; ".join(reasons)
    return str(error) or type(error).__name__
