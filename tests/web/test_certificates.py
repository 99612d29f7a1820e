"""Certificates as the phone sees them, the lab CA, and the phone's key and CSR."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7
from cryptography.x509.oid import NameOID

from phonesim.codec.certificate import certificates_from_pkcs7, summarize_certificate
from phonesim.drivers.certificate_request import KeyPool, build_csr
from phonesim.errors import MalformedCertificate, MalformedCertificateRequest
from phonesim.lab.certificate_authority import LabCertificateAuthority

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def ca() -> LabCertificateAuthority:
    return LabCertificateAuthority.create(now=NOW, valid_days=30)


def test_root_summary(ca):
    summary = summarize_certificate(ca.chain[0])
    assert summary.subject == summary.issuer == "CN=phonesim Lab Root CA,O=phonesim lab"
    assert summary.is_valid_at(NOW)
    assert summary.is_valid_at(NOW.replace(tzinfo=None))  # naive is UTC
    assert not summary.is_valid_at(NOW + timedelta(days=31))
    assert not summary.is_valid_at(NOW - timedelta(hours=1))
    assert len(summary.sha1) == 40 and summary.sha1 == summary.sha1.upper()


def test_user_certificate_takes_subject_from_entity_not_from_the_csr(ca):
    key = KeyPool("ec-p256").take()
    der = ca.sign_user_csr(
        build_csr(key, entity="mallory@phonesim.test"), entity="alice@phonesim.test", now=NOW
    )
    cert = x509.load_der_x509_certificate(der)
    assert (
        cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "alice@phonesim.test"
    )
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.UniformResourceIdentifier) == ["sip:alice@phonesim.test"]
    summary = summarize_certificate(der)
    assert summary.not_after == NOW + timedelta(days=180)


def test_bad_csr_is_a_phonesim_error(ca):
    with pytest.raises(MalformedCertificateRequest):
        ca.sign_user_csr(b"\x30\x03\x02\x01\x00", entity="a@b", now=NOW)


def test_tampered_csr_is_refused(ca):
    csr = bytearray(build_csr(KeyPool("ec-p256").take(), entity="alice@phonesim.test"))
    at = bytes(csr).index(b"alice")
    csr[at] ^= 0x01
    with pytest.raises(MalformedCertificateRequest, match="signature"):
        ca.sign_user_csr(bytes(csr), entity="alice@phonesim.test", now=NOW)


def test_pkcs7_bundle_round_trip_der_and_pem(ca):
    other = LabCertificateAuthority.create(name="Second", now=NOW)
    certs = [x509.load_der_x509_certificate(der) for der in ca.chain + other.chain]
    for encoding in (Encoding.DER, Encoding.PEM):
        bundle = pkcs7.serialize_certificates(certs, encoding)
        # A certs-only bundle is a DER SET OF: encoders may reorder, readers must not care.
        assert sorted(certificates_from_pkcs7(bundle)) == sorted(ca.chain + other.chain)


@pytest.mark.parametrize(
    "data", [b"", b"junk", b"-----BEGIN PKCS7-----\nxx\n-----END PKCS7-----\n"]
)
def test_bad_bundle_is_malformed_certificate(data):
    with pytest.raises(MalformedCertificate):
        certificates_from_pkcs7(data)


@pytest.mark.parametrize("data", [b"", b"junk", b"\x30\x00"])
def test_bad_certificate_is_malformed_certificate(data):
    with pytest.raises(MalformedCertificate):
        summarize_certificate(data)


def test_key_pool_generates_lazily_and_round_robins():
    pool = KeyPool("ec-p256", size=2)
    first, second = pool.take(), pool.take()
    assert first is not second
    assert [pool.take(), pool.take(), pool.take()] == [first, second, first]
    assert isinstance(first, ec.EllipticCurvePrivateKey)


def test_key_pool_default_is_rsa_2048():
    key = KeyPool().take()
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048


def test_key_pool_refuses_unknown_types():
    with pytest.raises(ValueError, match="rsa-2048"):
        KeyPool("dsa-1024")


def test_csr_subject_is_the_entity():
    csr = x509.load_der_x509_csr(build_csr(KeyPool("ec-p256").take(), entity="bob@phonesim.test"))
    assert csr.is_signature_valid
    assert csr.subject.rfc4514_string() == "CN=bob@phonesim.test"
