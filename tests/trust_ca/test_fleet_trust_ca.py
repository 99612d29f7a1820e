"""`phonesim fleet --trust-ca FILE`: every phone of the fleet trusts the file's CA instead of
requesting the root chain."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from phonesim.cli import main
from phonesim.codec.ocauthws.endpoints import ROOT_CHAIN_PATH
from phonesim.lab.certificate_authority import LabCertificateAuthority
from tests.replay.lab_thread import lab_in_thread
from tests.tls_dsk.credentials import pem_certificate


def fleet(tmp_path: Path, *argv: str) -> int:
    return main(
        [
            "fleet",
            *argv,
            "--phones",
            "4",
            "--rate",
            "max",
            "--key-pool",
            "1",
            "--json",
            "--report",
            str(tmp_path / "out"),
        ]
    )


def test_a_fleet_with_the_lab_ca_requests_no_root_chain(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with lab_in_thread() as (lab, endpoints):
        endpoints_file = tmp_path / "lab.json"
        endpoints_file.write_text(json.dumps(endpoints.to_json()))
        assert lab.ca is not None and lab.web is not None
        ca_file = tmp_path / "pool-ca.pem"
        ca_file.write_bytes(pem_certificate(lab.ca.chain[0]))
        code = fleet(
            tmp_path,
            "--lab-endpoints",
            str(endpoints_file),
            "--trust-ca",
            str(ca_file),
            "--stage",
            "rootchain",
        )
        paths = [r.path_qs for r in lab.web.received]
    summary = json.loads(capsys.readouterr().out)
    assert code == 0
    assert summary["succeeded"] == 4
    assert ROOT_CHAIN_PATH not in paths
    assert summary["config"]["trust_ca"] == str(ca_file)


def test_a_fleet_with_a_wrong_ca_fails_at_the_untrusted_web_service(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    other = LabCertificateAuthority.create(name="Some Other CA", now=datetime.now(UTC))
    ca_file = tmp_path / "other.pem"
    ca_file.write_bytes(pem_certificate(other.chain[0]))
    code = fleet(tmp_path, "--lab", "--trust-ca", str(ca_file), "--stage", "webticket")
    summary = json.loads(capsys.readouterr().out)
    assert code == 3
    assert summary["failed"] == 4
    assert summary["outcomes"] == {"certprov.tls": 4}
