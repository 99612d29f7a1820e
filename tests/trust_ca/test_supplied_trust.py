"""`--trust-ca`: the phone trusts the CA certificates it is given and fetches no root chain."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from phonesim.codec.ocauthws.endpoints import ROOT_CHAIN_PATH
from phonesim.core.outcome import Failure, Success
from phonesim.core.trace_schema import ROOTCHAIN_REQUEST, ROOTCHAIN_SUPPLIED
from phonesim.diagnosis import diagnose
from phonesim.drivers.trust_ca_file import TrustCaError, read_trust_ca
from phonesim.lab.certificate_authority import LabCertificateAuthority
from phonesim.lab.lab_servers import LabServers
from phonesim.testing import LabPair
from phonesim.testing.lab_pair import START
from tests.tls_dsk.credentials import pem_certificate


def lab_ca_file(folder: Path):
    def supplied(lab: LabServers):
        path = folder / "lab-ca.pem"
        path.write_bytes(pem_certificate(lab.ca.chain[0]))
        return read_trust_ca(path)

    return supplied


def test_the_lab_ca_supplied_signs_in_without_a_root_chain_request(tmp_path: Path) -> None:
    pair = LabPair(supplied_trust=lab_ca_file(tmp_path))
    outcome = pair.run()
    assert isinstance(outcome, Success) and outcome.stage == "provisioning"
    paths = [r.path_qs for r in pair.lab.web.received]
    assert ROOT_CHAIN_PATH not in paths and paths, "the lab saw no root chain request"
    assert not [t for t in pair.traces if ROOTCHAIN_REQUEST.matches(t)]
    (supplied,) = [t for t in pair.traces if ROOTCHAIN_SUPPLIED.matches(t)]
    assert supplied.fields["source"] == str(tmp_path / "lab-ca.pem")
    (certificate,) = supplied.fields["certificates"]
    assert certificate["subject"] == "CN=phonesim Lab Root CA,O=phonesim lab"
    assert certificate["valid_on_phone_clock"] is True


def test_a_wrong_ca_leaves_the_web_services_certificate_untrusted(tmp_path: Path) -> None:
    other = LabCertificateAuthority.create(name="Some Other CA", now=START)
    path = tmp_path / "other.pem"
    path.write_bytes(pem_certificate(other.chain[0]))
    pair = LabPair(supplied_trust=read_trust_ca(path))
    outcome = pair.run()
    assert isinstance(outcome, Failure)
    assert outcome.reason == "certprov.tls"
    assert "certificate verify failed" in outcome.message
    assert outcome.evidence["server_certificate"]["issuer"] == (
        "CN=phonesim Lab Root CA,O=phonesim lab"
    )


def test_a_ca_not_valid_on_the_phone_clock_is_named_with_its_file(tmp_path: Path) -> None:
    old = LabCertificateAuthority.create(
        name="Expired CA", now=START - timedelta(days=30), valid_days=10
    )
    path = tmp_path / "expired.pem"
    path.write_bytes(pem_certificate(old.chain[0]))
    pair = LabPair(supplied_trust=read_trust_ca(path))
    outcome = pair.run()
    assert isinstance(outcome, Failure)
    assert outcome.reason == "rootchain.not_valid_on_phone_clock"
    assert str(path) in outcome.message and "CN=Expired CA" in outcome.message
    assert outcome.evidence["trust_ca"] == str(path)
    assert not [r for r in pair.lab.web.received if r.path_qs == ROOT_CHAIN_PATH]
    # The file is as likely at fault as the clock: the diagnosis names both.
    (finding,) = diagnose(pair.traces).findings
    assert finding.id == "time.supplied_ca_not_valid"
    assert str(path) in finding.explanation and "CN=Expired CA" in finding.explanation
    assert "pool's current CA certificate" in finding.remediation[0]
    assert "ntp.phonesim.test" in finding.remediation[1]


def test_several_certificates_in_one_file_are_all_trusted(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    first = LabCertificateAuthority.create(name="First CA", now=now)
    second = LabCertificateAuthority.create(name="Second CA", now=now)
    path = tmp_path / "bundle.pem"
    path.write_bytes(
        b"# a bundle\n" + pem_certificate(first.chain[0]) + pem_certificate(second.chain[0])
    )
    supplied = read_trust_ca(path)
    assert [c.subject for c in supplied.certificates] == [
        "CN=First CA,O=phonesim lab",
        "CN=Second CA,O=phonesim lab",
    ]
    assert supplied.chain == (first.chain[0], second.chain[0])


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (None, "no such file"),
        (b"\x30\x82\x01\x0a binary", "not a PEM file"),
        (b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "holds no certificate"),
        (
            b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n",
            "certificate 1 of 1 cannot be read",
        ),
    ],
)
def test_bad_files_are_named_with_what_is_wrong(
    tmp_path: Path, content: bytes | None, said: str
) -> None:
    path = tmp_path / "ca.pem"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(TrustCaError) as raised:
        read_trust_ca(path)
    assert str(raised.value).startswith(f"--trust-ca {path}: ")
    assert said in str(raised.value)


def test_a_certificate_that_is_not_a_ca_is_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    ca = LabCertificateAuthority.create(now=datetime.now(UTC))
    key = ec.generate_private_key(ec.SECP256R1())
    der = ca.issue_server_certificate(
        key.public_key(), ["web.phonesim.test"], now=datetime.now(UTC)
    )
    path = tmp_path / "server.pem"
    path.write_bytes(pem_certificate(ca.chain[0]) + pem_certificate(der))
    with pytest.raises(TrustCaError) as raised:
        read_trust_ca(path)
    assert "certificate 2 of 2" in str(raised.value)
    assert "is not a CA certificate" in str(raised.value)
