"""A root chain or issued certificate that cryptography cannot read is a malformed answer,
never a traceback (hardening review D4: UnsupportedAlgorithm, InvalidVersion,
DuplicateExtension and a lazy ValueError escaped the certificate readers)."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from phonesim.codec.certificate import certificates_from_pkcs7, summarize_certificate
from phonesim.errors import MalformedCertificate
from phonesim.lab.certificate_authority import LabCertificateAuthority
from tests.hostile_fixtures import CERT_POST, ROOTCHAIN, XML, answer, edited, web_case

PKCS7_DATA = bytes.fromhex("300f06092a864886f70d010701a0020400")
"""A PKCS#7 of content type `data`, not signedData."""
ROOT_ISSUER = b"\x0c\x14phonesim Lab Root CA"
"""The lab root's issuer name as a UTF8String: re-tagged 0x0e, it no longer parses."""


def _lab_root() -> bytes:
    return LabCertificateAuthority.create(now=datetime.now(UTC)).chain[0]


def _retagged_issuer() -> bytes:
    der = bytearray(_lab_root())
    der[der.find(ROOT_ISSUER)] = 0x0E
    return bytes(der)


def _unknown_version() -> bytes:
    der = bytearray(_lab_root())
    der[der.find(b"\xa0\x03\x02\x01\x02") + 4] = 0x05
    return bytes(der)


def _duplicated_extension() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "alice@phonesim.test")])
    now = datetime.now(UTC)
    der = bytearray(
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
        .public_bytes(serialization.Encoding.DER)
    )
    # OID 2.5.29.14 -> 2.5.29.19: two BasicConstraints extensions.
    der[der.find(bytes.fromhex("0603551d0e")) + 4] = 0x13
    return bytes(der)


@pytest.mark.parametrize(
    "make",
    [_retagged_issuer, _unknown_version, _duplicated_extension],
    ids=["issuer-does-not-parse", "unknown-version", "duplicated-extension"],
)
def test_a_certificate_cryptography_cannot_read_is_malformed(make) -> None:
    with pytest.raises(MalformedCertificate):
        summarize_certificate(make())


@pytest.mark.parametrize(
    "bundle",
    [PKCS7_DATA, b"-----BEGIN PKCS7-----\nMA8GCSqGSIb3DQEHAaACBAA=\n-----END PKCS7-----\n"],
    ids=["der", "pem"],
)
def test_a_pkcs7_that_is_not_signed_data_is_malformed(bundle: bytes) -> None:
    with pytest.raises(MalformedCertificate):
        certificates_from_pkcs7(bundle)


def test_root_chains_that_do_not_read_end_the_boot_as_malformed() -> None:
    pkcs7 = {"Content-Type": "application/pkcs7-mime"}
    for override in (
        answer(200, pkcs7, PKCS7_DATA),
        edited((ROOT_ISSUER, b"\x0e" + ROOT_ISSUER[1:])),
    ):
        outcome = asyncio.run(web_case({("http", ROOTCHAIN): override}, "--json"))
        assert "Traceback" not in outcome.stderr
        assert (outcome.exit_code, outcome.reason) == (4, "rootchain.malformed"), outcome.stderr


def test_an_issued_certificate_that_does_not_read_ends_the_boot_as_malformed() -> None:
    x509v3 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
    base64_binary = (
        "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0"
        "#Base64Binary"
    )
    token = base64.b64encode(_duplicated_extension()).decode()
    body = (
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
        '<GetAndPublishCertResponse xmlns="http://schemas.microsoft.com/OCS/AuthWebServices/">'
        '<wst:RequestSecurityTokenResponse xmlns:wst="http://docs.oasis-open.org/ws-sx/ws-trust/200512/">'
        f"<wst:TokenType>{x509v3}</wst:TokenType><wst:RequestedSecurityToken>"
        '<wsse:BinarySecurityToken xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/'
        f'oasis-200401-wss-wssecurity-secext-1.0.xsd" ValueType="{x509v3}" '
        f'EncodingType="{base64_binary}">{token}</wsse:BinarySecurityToken>'
        "</wst:RequestedSecurityToken></wst:RequestSecurityTokenResponse>"
        "</GetAndPublishCertResponse></s:Body></s:Envelope>"
    )
    outcome = asyncio.run(
        web_case({("https", CERT_POST): answer(200, XML, body.encode())}, "--json")
    )
    assert "Traceback" not in outcome.stderr
    assert (outcome.exit_code, outcome.reason) == (6, "certprov.malformed"), outcome.stderr
