"""The lab's own certification authority: the root the phone downloads and trusts.

It signs the lab's HTTPS (and later SIP/TLS) server certificates and the user
certificates that GetAndPublishCert hands out. Keys are ECDSA P-256 because many
tests start a lab and an RSA key costs far more to make. Validity starts a few
minutes before `now`, so a phone whose clock runs slightly behind still accepts it.
"""

from __future__ import annotations

import ipaddress
import os
import ssl
import tempfile
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from phonesim.errors import MalformedCertificateRequest

CLOCK_SKEW = timedelta(minutes=5)

SerialSource = Callable[[], int]
"""Where certificate serial numbers come from: random by default, a counter when a
test needs the same serials on every run."""


class LabCertificateAuthority:
    def __init__(
        self,
        key: ec.EllipticCurvePrivateKey,
        certificate: x509.Certificate,
        *,
        serials: SerialSource = x509.random_serial_number,
    ) -> None:
        self._key = key
        self._certificate = certificate
        self._serials = serials
        self.chain: list[bytes] = [certificate.public_bytes(serialization.Encoding.DER)]
        """DER, root first; the lab has no intermediate."""

    @classmethod
    def create(
        cls,
        *,
        name: str = "phonesim Lab Root CA",
        now: datetime,
        valid_days: int = 3650,
        serials: SerialSource = x509.random_serial_number,
    ) -> LabCertificateAuthority:
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "phonesim lab"),
                x509.NameAttribute(NameOID.COMMON_NAME, name),
            ]
        )
        public = key.public_key()
        certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(public)
            .serial_number(serials())
            .not_valid_before(now - CLOCK_SKEW)
            .not_valid_after(now + timedelta(days=valid_days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(cert_sign=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(key, hashes.SHA256())
        )
        return cls(key, certificate, serials=serials)

    @property
    def name(self) -> str:
        return self._certificate.subject.rfc4514_string()

    def server_ssl_context(self, dns_names: Sequence[str], *, now: datetime) -> ssl.SSLContext:
        """A TLS server context whose certificate names `dns_names` (the first is the CN;
        IP addresses among them become IP SANs)."""
        key = ec.generate_private_key(ec.SECP256R1())
        certificate = self._server_certificate(key.public_key(), dns_names, now, 365)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        _load_chain(context, key, certificate)
        return context

    def issue_server_certificate(
        self,
        public_key: CertificatePublicKeyTypes,
        dns_names: Sequence[str],
        *,
        now: datetime,
        valid_days: int = 365,
    ) -> bytes:
        """A server certificate (DER) for a key the caller holds. TLS-DSK's inner handshake
        needs one with an RSA key: its suites (AES128-SHA, AES256-SHA) use RSA key
        exchange, which an EC key cannot do."""
        return self._server_certificate(public_key, dns_names, now, valid_days).public_bytes(
            serialization.Encoding.DER
        )

    def _server_certificate(
        self,
        public_key: CertificatePublicKeyTypes,
        dns_names: Sequence[str],
        now: datetime,
        valid_days: int,
    ) -> x509.Certificate:
        if not dns_names:
            raise ValueError("a server certificate needs at least one DNS name")
        return (
            self._issue(public_key, dns_names[0], now, timedelta(days=valid_days))
            .add_extension(
                x509.SubjectAlternativeName([_general_name(name) for name in dns_names]),
                critical=False,
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(self._key, hashes.SHA256())
        )

    def sign_user_csr(
        self, csr_der: bytes, *, entity: str, now: datetime, valid_days: int = 180
    ) -> bytes:
        """The user's certificate, DER. Subject and SAN come from `entity` (what the
        ticket proved), never from the CSR, which only lends its public key."""
        try:
            csr = x509.load_der_x509_csr(csr_der)
            signature_valid = csr.is_signature_valid
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise MalformedCertificateRequest(f"not a DER PKCS#10 request ({exc})") from None
        if not signature_valid:
            raise MalformedCertificateRequest("the request's signature does not verify")
        try:
            public = csr.public_key()
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise MalformedCertificateRequest(f"unusable public key ({exc})") from None
        certificate = (
            self._issue(public, entity, now, timedelta(days=valid_days))
            .add_extension(
                x509.SubjectAlternativeName([x509.UniformResourceIdentifier(f"sip:{entity}")]),
                critical=False,
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(self._key, hashes.SHA256())
        )
        return certificate.public_bytes(serialization.Encoding.DER)

    def _issue(
        self,
        public: CertificatePublicKeyTypes,
        common_name: str,
        now: datetime,
        lifetime: timedelta,
    ) -> x509.CertificateBuilder:
        return (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
            .issuer_name(self._certificate.subject)
            .public_key(public)
            .serial_number(self._serials())
            .not_valid_before(now - CLOCK_SKEW)
            .not_valid_after(now + lifetime)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(cert_sign=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()),
                critical=False,
            )
        )

    def __repr__(self) -> str:
        return f"LabCertificateAuthority({self.name!r})"


def _general_name(name: str) -> x509.GeneralName:
    """An address goes in as an IP SAN (a phone given option 120 encoding 1 checks it)."""
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _load_chain(
    context: ssl.SSLContext, key: ec.EllipticCurvePrivateKey, certificate: x509.Certificate
) -> None:
    # ssl can only load a certificate and key from files; they live a moment in a
    # private temporary directory and are gone before the context is used.
    with tempfile.TemporaryDirectory(prefix="phonesim-tls-") as folder:
        cert_path = os.path.join(folder, "server.pem")
        key_path = os.path.join(folder, "server.key")
        with open(cert_path, "wb") as handle:
            handle.write(certificate.public_bytes(serialization.Encoding.PEM))
        with open(os.open(key_path, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as handle:
            handle.write(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
        context.load_cert_chain(cert_path, key_path)
