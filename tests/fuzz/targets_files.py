"""Readers of files a user points phonesim at: scenarios, device profiles, run folders,
and the certificates a pool hands out (root chain PKCS#7, issued certificate)."""

from __future__ import annotations

import argparse
import contextlib
import io
import tempfile
import tomllib
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7

from phonesim.codec.certificate import _certificates_from_pkcs7, summarize_certificate
from phonesim.core.profile import DeviceProfile
from phonesim.drivers.trust import trust_context
from phonesim.errors import PhonesimError
from phonesim.lab.certificate_authority import LabCertificateAuthority
from phonesim.lab.lab_plan import LabPlan
from phonesim.lab.layout import LabLayout
from phonesim.lab.scenario import catalogue, load_scenario_text
from phonesim.profiles import available_profiles
from phonesim.replay.capture_skim import CaptureSkim
from tests.fuzz.target import FuzzTarget, text

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _read_scenario(data: bytes) -> None:
    scenario = load_scenario_text(text(data), name="fuzzed", source="fuzzed.toml")
    plan = LabPlan(LabLayout(), scenario)
    plan.dhcp_servers()
    plan.zone()
    plan.registrar_names()


def _read_profile(data: bytes) -> None:
    try:
        mapping = tomllib.loads(text(data))
    except tomllib.TOMLDecodeError:
        return
    DeviceProfile.from_mapping(mapping, "fuzzed.toml")


def _certificate_seeds() -> list[bytes]:
    ca = LabCertificateAuthority.create(now=NOW)
    return list(ca.chain)


def _pkcs7_seeds() -> list[bytes]:
    ca = LabCertificateAuthority.create(now=NOW)
    certificates = [x509.load_der_x509_certificate(der) for der in ca.chain]
    return [
        pkcs7.serialize_certificates(certificates, Encoding.DER),
        pkcs7.serialize_certificates(certificates, Encoding.PEM),
    ]


def _read_certificate(data: bytes) -> None:
    summarize_certificate(data)
    trust_context([data])


def _read_pkcs7(data: bytes) -> None:
    chain = _certificates_from_pkcs7.__wrapped__(data)
    for der in chain:
        summarize_certificate(der)
    trust_context(list(chain))


def _run_folder_seeds() -> list[bytes]:
    golden = Path(__file__).resolve().parents[1] / "golden"
    result = b'{"Result": "Failure", "Reason": "registrar.unreachable", "ExitCode": 7}'
    return [
        (golden / "healthy.trace.jsonl").read_bytes() + b"\n#result\n{}",
        (golden / "registrar-unreachable.trace.jsonl").read_bytes() + b"\n#result\n" + result,
    ]


def _read_run_folder(data: bytes) -> None:
    from phonesim.cli.diagnose_command import _from_run

    with tempfile.TemporaryDirectory() as folder:
        run = Path(folder)
        trace, _, result = data.partition(b"\n#result\n")
        (run / "trace.jsonl").write_bytes(trace)
        (run / "result.json").write_bytes(result)
        sink = io.StringIO()
        with contextlib.redirect_stdout(sink):
            for as_json in (False, True):
                _from_run(argparse.Namespace(from_run=run, json=as_json))


CAPTURES = Path(__file__).resolve().parents[2] / "examples" / "captures"


def _capture_seeds() -> list[bytes]:
    return [path.read_bytes() for path in sorted(CAPTURES.glob("*.pcap*"))]


def _read_capture(data: bytes) -> None:
    with tempfile.NamedTemporaryFile(suffix=".pcap") as file:
        file.write(data)
        file.flush()
        skim = CaptureSkim(file.name)
        with contextlib.suppress(PhonesimError):
            for session in skim.sessions():
                skim.coverage()
                del session


FILE_TARGETS = [
    FuzzTarget("capture", _read_capture, _capture_seeds, max_size=8192),
    FuzzTarget("scenario-toml", _read_scenario, lambda: [t.encode() for t in catalogue().values()]),
    FuzzTarget(
        "profile-toml",
        _read_profile,
        lambda: [path.read_bytes() for path in available_profiles().values()],
    ),
    FuzzTarget("certificate", _read_certificate, _certificate_seeds),
    FuzzTarget("pkcs7", _read_pkcs7, _pkcs7_seeds),
    FuzzTarget("run-folder", _read_run_folder, _run_folder_seeds, max_size=65536),
]
