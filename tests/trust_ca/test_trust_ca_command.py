"""`phonesim boot --trust-ca FILE` (and `diagnose`, which takes the boot's options) as a user
runs it against the lab on loopback."""

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


def run(capsys: pytest.CaptureFixture[str], tmp_path: Path, *argv: str) -> tuple[int, str, str]:
    code = main(
        [
            *argv,
            "--ext",
            "5551234",
            "--pin",
            "13579",
            "--state-dir",
            str(tmp_path / "state"),
            "--runs-dir",
            str(tmp_path / "runs"),
        ]
    )
    out, err = capsys.readouterr()
    return code, out, err


def test_the_lab_ca_signs_in_and_the_lab_sees_no_root_chain_request(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with lab_in_thread() as (lab, endpoints):
        endpoints_file = tmp_path / "lab.json"
        endpoints_file.write_text(json.dumps(endpoints.to_json()))
        assert lab.ca is not None and lab.web is not None
        ca_file = tmp_path / "pool-ca.pem"
        ca_file.write_bytes(pem_certificate(lab.ca.chain[0]))
        code, out, _ = run(
            capsys,
            tmp_path,
            "boot",
            "--lab-endpoints",
            str(endpoints_file),
            "--trust-ca",
            str(ca_file),
            "--json",
        )
        paths = [r.path_qs for r in lab.web.received]
    result = json.loads(out)
    assert code == 0, result
    assert result["Result"] == "Success"
    assert ROOT_CHAIN_PATH not in paths
    assert result["RootChain"]["Source"] == "supplied"
    assert result["RootChain"]["TrustCa"] == str(ca_file)
    assert "RootChain" not in result["Guessed"]
    assert set(result["Guessed"]) == {"WebTicket.PinFormat", "Phone.UserAgent", "Phone.DeviceId"}
    on_disk = json.loads((Path(result["RunFolder"]) / "result.json").read_text())
    assert on_disk["Guessed"] == result["Guessed"]
    timeline = (Path(result["RunFolder"]) / "trace.jsonl").read_text()
    assert '"event": "supplied"' in timeline or '"event":"supplied"' in timeline


def test_the_timeline_says_the_root_chain_was_supplied_not_fetched(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    other = LabCertificateAuthority.create(name="Some Other CA", now=datetime.now(UTC))
    ca_file = tmp_path / "other-ca.pem"
    ca_file.write_bytes(pem_certificate(other.chain[0]))
    code, out, _ = run(capsys, tmp_path, "boot", "--lab", "--trust-ca", str(ca_file))
    assert f"root chain not fetched: supplied by --trust-ca {ca_file}" in " ".join(out.split())
    # The lab's web services present a certificate from the lab's own CA: untrusted.
    assert code == 6
    assert "certificate verify failed" in out


def test_a_wrong_ca_names_the_untrusted_web_service_certificate(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    other = LabCertificateAuthority.create(name="Some Other CA", now=datetime.now(UTC))
    ca_file = tmp_path / "other-ca.pem"
    ca_file.write_bytes(pem_certificate(other.chain[0]))
    code, out, _ = run(capsys, tmp_path, "boot", "--lab", "--trust-ca", str(ca_file), "--json")
    result = json.loads(out)
    assert code == 6
    assert (result["Stage"], result["Reason"]) == ("certprov", "certprov.tls")
    assert result["Evidence"]["server_certificate"]["issuer"] == (
        "CN=phonesim Lab Root CA,O=phonesim lab"
    )
    (finding,) = result["Findings"]
    assert finding["Id"] == "tls.not_issued_by_supplied_ca"
    assert str(ca_file) in finding["Explanation"]
    assert "CN=Some Other CA,O=phonesim lab" in finding["Explanation"]
    assert "CN=phonesim Lab Root CA,O=phonesim lab" in finding["Remediation"][0]


@pytest.mark.parametrize("command", ["boot", "diagnose"])
@pytest.mark.parametrize(
    ("content", "said"),
    [(None, "no such file"), (b"hello", "not a PEM file")],
)
def test_a_bad_file_is_one_line_and_exit_code_2(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    command: str,
    content: bytes | None,
    said: str,
) -> None:
    ca_file = tmp_path / "ca.pem"
    if content is not None:
        ca_file.write_bytes(content)
    code, _, err = run(capsys, tmp_path, command, "--lab", "--trust-ca", str(ca_file))
    assert code == 2
    assert err == f"phonesim: error: --trust-ca {ca_file}: {said}" + err.split(said, 1)[1]
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_a_boot_shows_its_guessed_steps_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(capsys, tmp_path, "boot", "--lab")
    assert code == 0
    (row,) = [line for line in out.splitlines() if line.startswith("Guessed ")]
    shown = " ".join(out[out.index(row) :].split()[1:])  # the row, unwrapped
    assert shown.startswith(
        "RootChain, WebTicket.PinFormat, Phone.UserAgent, Phone.DeviceId ([U] phonesim's guesses"
    )


def test_phonesim_lab_writes_its_ca_for_trust_ca_and_takes_it_away(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import signal

    from tests.cli.test_lab_command import lab_process, read_until

    endpoints_file = tmp_path / "phonesim-lab.json"
    ca_file = tmp_path / "phonesim-lab.ca.pem"
    with lab_process("--endpoints-file", str(endpoints_file), cwd=tmp_path) as lab:
        printed = read_until(lab, b"Ctrl-C stops the lab")
        assert str(ca_file).encode() in printed
        code, out, _ = run(
            capsys,
            tmp_path,
            "boot",
            "--lab-endpoints",
            str(endpoints_file),
            "--trust-ca",
            str(ca_file),
            "--json",
        )
        result = json.loads(out)
        assert code == 0, result
        assert result["RootChain"] == {
            "Source": "supplied",
            "TrustCa": str(ca_file),
            "Certificates": result["RootChain"]["Certificates"],
        }
        assert [c["Subject"] for c in result["RootChain"]["Certificates"]] == [
            "CN=phonesim Lab Root CA,O=phonesim lab"
        ]
        lab.send_signal(signal.SIGTERM)
        assert lab.wait(timeout=30) == 0
    assert not ca_file.exists()
