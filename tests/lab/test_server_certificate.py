"""The lab CA's server certificate for a key the caller holds (TLS-DSK's RSA one)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from phonesim.lab.certificate_authority import LabCertificateAuthority

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_an_rsa_server_certificate_chains_to_the_lab_root_and_names_the_pool():
    ca = LabCertificateAuthority.create(now=NOW)
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    der = ca.issue_server_certificate(
        key.public_key(), ["pool01.lab.test", "192.0.2.5"], now=NOW, valid_days=30
    )
    certificate = x509.load_der_x509_certificate(der)
    root = x509.load_der_x509_certificate(ca.chain[0])
    certificate.verify_directly_issued_by(root)
    assert certificate.public_key().public_numbers() == key.public_key().public_numbers()
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["pool01.lab.test"]
    assert [str(a) for a in names.get_values_for_type(x509.IPAddress)] == ["192.0.2.5"]
    usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert certificate.not_valid_after_utc == NOW + timedelta(days=30)


def test_a_server_certificate_needs_a_name():
    ca = LabCertificateAuthority.create(now=NOW)
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(ValueError, match="at least one DNS name"):
        ca.issue_server_certificate(key.public_key(), [], now=NOW)
