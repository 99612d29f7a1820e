"""X.509 certificates as the phone sees them: a few facts, not the whole object.

The core reasons about certificates (is it valid now, who issued it) without
holding cryptography objects, so a boot can be traced, compared and replayed as
plain values. cryptography is imported on first use to keep `phonesim --help` fast.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime

from phonesim.errors import MalformedCertificate


@dataclass(frozen=True, slots=True)
class CertificateSummary:
    subject: str
    """RFC 4514 form, e.g. CN=alice@phonesim.test."""
    issuer: str
    serial: str
    """Lower-case hex, no separators."""
    not_before: datetime
    not_after: datetime
    sha1: str
    """Thumbprint as Windows shows it: upper-case hex of the SHA-1 of the DER."""
    dns_names: tuple[str, ...]

    def is_valid_at(self, when: datetime) -> bool:
        """Naive times are taken as UTC, the phone's clock after NTP."""
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return self.not_before <= when <= self.not_after


@functools.lru_cache(maxsize=64)
def summarize_certificate(der: bytes) -> CertificateSummary:
    """Memoised by the certificate's bytes (the summary is frozen): a fleet's phones
    see the same root chain and server certificates thousands of times."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    # cryptography raises more than ValueError, and lazily (a name that does not parse
    # fails at rfc4514_string(), a duplicated extension at the first extension read): the
    # whole summary is one attempt, and any failure of it is a certificate not readable.
    try:
        cert = x509.load_der_x509_certificate(der)
        try:
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
            dns_names = tuple(str(name) for name in san.value.get_values_for_type(x509.DNSName))
        except x509.ExtensionNotFound:
            dns_names = ()
        return CertificateSummary(
            subject=cert.subject.rfc4514_string(),
            issuer=cert.issuer.rfc4514_string(),
            serial=format(cert.serial_number, "x"),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            sha1=cert.fingerprint(hashes.SHA1()).hex().upper(),
            dns_names=dns_names,
        )
    except Exception as exc:
        raise MalformedCertificate(
            f"not a readable X.509 certificate ({type(exc).__name__}: {str(exc)[:200]})"
        ) from None


def certificates_from_pkcs7(data: bytes) -> list[bytes]:
    """The DER certificates of a certs-only PKCS#7 bundle, in the order it holds them.

    The certificates are a DER SET OF, which encoders sort, so the order says nothing
    about the chain. Servers hand the bundle out as DER (application/pkcs7-mime) or
    PEM; both are read.
    """
    return list(_certificates_from_pkcs7(data))


@functools.lru_cache(maxsize=16)
def _certificates_from_pkcs7(data: bytes) -> tuple[bytes, ...]:
    """Memoised by the bundle's bytes: every phone of a fleet downloads the same root chain."""
    from cryptography.hazmat.primitives.serialization import Encoding, pkcs7

    stripped = data.lstrip()
    try:
        if stripped.startswith(b"-----BEGIN"):
            certs = pkcs7.load_pem_pkcs7_certificates(stripped)
        else:
            certs = pkcs7.load_der_pkcs7_certificates(data)
        return tuple(cert.public_bytes(Encoding.DER) for cert in certs)
    except Exception as exc:
        # Not only ValueError: a PKCS#7 of another content type raises UnsupportedAlgorithm.
        raise MalformedCertificate(
            f"not a PKCS#7 certificate bundle ({type(exc).__name__}: {str(exc)[:200]})"
        ) from None
