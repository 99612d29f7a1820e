"""Certificates for TLS-DSK tests, issued by the lab's own CA the way the lab issues them.

The phone's certificate goes through `LabCertificateAuthority.sign_user_csr`, the
code behind GetAndPublishCert, from the phone's own key and CSR code; the inner
server certificate, for an RSA key (TLS-DSK's suites use RSA key exchange),
through `LabCertificateAuthority.issue_server_certificate`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)

from phonesim.drivers.certificate_request import KeyPool, build_csr
from phonesim.lab.certificate_authority import LabCertificateAuthority

PHONE = "alice@lab.test"
POOL = "pool01.lab.test"


@dataclass(frozen=True)
class Credentials:
    issued: datetime
    """When the CA issued them: the clock to run handshakes on."""
    root: bytes
    phone_certificate: bytes
    phone_key: rsa.RSAPrivateKey
    server_certificate: bytes
    server_key: rsa.RSAPrivateKey


def issue(
    now: datetime, *, phone_key: rsa.RSAPrivateKey, server_key: rsa.RSAPrivateKey
) -> Credentials:
    ca = LabCertificateAuthority.create(now=now)
    phone = ca.sign_user_csr(build_csr(phone_key, entity=PHONE), entity=PHONE, now=now)
    server = ca.issue_server_certificate(server_key.public_key(), [POOL], now=now)
    return Credentials(now, ca.chain[0], phone, phone_key, server, server_key)


def rsa_key() -> rsa.RSAPrivateKey:
    key = KeyPool("rsa-2048").take()
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def pem_certificate(der: bytes) -> bytes:
    return x509.load_der_x509_certificate(der).public_bytes(Encoding.PEM)


def pem_key(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
