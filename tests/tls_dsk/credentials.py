"""Certificates for TLS-DSK tests, issued by the lab's own CA the way the lab issues them.

The phone's certificate goes through `LabCertificateAuthority.sign_user_csr`, the
code behind GetAndPublishCert, from the phone's own key and CSR code. The inner
server certificate needs an RSA key (TLS-DSK's suites use RSA key exchange); the
lab's CA only makes EC server certificates today, so it is built with the CA's
own certificate builder and key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)
from cryptography.x509.oid import ExtendedKeyUsageOID

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
    server = (
        ca._issue(server_key.public_key(), POOL, now, timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(POOL)]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca._key, hashes.SHA256())
    )
    return Credentials(
        now, ca.chain[0], phone, phone_key, server.public_bytes(Encoding.DER), server_key
    )


def rsa_key() -> rsa.RSAPrivateKey:
    key = KeyPool("rsa-2048").take()
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def pem_certificate(der: bytes) -> bytes:
    return x509.load_der_x509_certificate(der).public_bytes(Encoding.PEM)


def pem_key(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
