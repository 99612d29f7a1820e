"""`dhcp-config --json` for scripts, and `--output` saying what it wrote."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from phonesim.cli import main
from phonesim.dhcp_config import FORMATS

POOLS = ["pool01.contoso.com", "pool02.contoso.com"]
WEB = "web01.contoso.com"
URL = f"https://{WEB}:4443/CertProv/CertProvisioningService.svc"
ARGV = ["--sip-server", POOLS[0], "--sip-server", POOLS[1], "--web-server", WEB]
ARGV += ["--web-port", "4443"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["dhcp-config", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("format_name", FORMATS)
def test_json_holds_each_option_decoded_and_the_format_s_text(
    format_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, plain, plain_err = run(capsys, *ARGV, "--format", format_name)
    assert code == 0
    code, out, err = run(capsys, *ARGV, "--format", format_name, "--json")
    assert code == 0 and err == plain_err
    document = json.loads(out)
    assert set(document) == {"format", "options", "text", "warnings"}
    assert document["format"] == format_name
    assert document["text"] == plain
    assert document["warnings"] == [
        line.removeprefix("phonesim: warning: ") for line in plain_err.splitlines()
    ]
    sip, vendor = document["options"]
    assert set(sip) == {"code", "name", "hex", "length", "parts", "decoded"}
    assert (sip["code"], sip["decoded"]) == (120, {"encoding": 0, "servers": POOLS})
    assert sip["length"] == len(bytes.fromhex(sip["hex"])) and sip["parts"] == [sip["hex"]]
    assert set(vendor) == {
        "code",
        "name",
        "vendor_class",
        "hex",
        "length",
        "parts",
        "decoded",
        "sub_options",
    }
    assert (vendor["code"], vendor["vendor_class"]) == (43, "MS-UC-Client")
    assert vendor["decoded"] == {
        "url": URL,
        "identifier": "MS-UC-Client",
        "url_scheme": "https",
        "web_server_fqdn": WEB,
        "web_server_port": "4443",
        "cert_prov_path": "/CertProv/CertProvisioningService.svc",
    }
    assert [(s["code"], s["name"], s["text"]) for s in vendor["sub_options"]] == [
        (1, "UCIdentifier", "MS-UC-Client"),
        (2, "URLScheme", "https"),
        (3, "WebServerFqdn", WEB),
        (4, "WebServerPort", "4443"),
        (5, "CertProvRelPath", "/CertProv/CertProvisioningService.svc"),
    ]
    rebuilt = b"".join(
        bytes((s["code"], len(bytes.fromhex(s["hex"])))) + bytes.fromhex(s["hex"])
        for s in vendor["sub_options"]
    )
    assert rebuilt.hex() == vendor["hex"]


def test_json_shows_the_rfc_3396_parts_of_a_long_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    web = ".".join(["w" * 60] * 3) + ".company.com"
    code, out, _ = run(capsys, "--sip-server", POOLS[0], "--web-server", web, "--json")
    assert code == 0
    vendor = json.loads(out)["options"][1]
    assert vendor["length"] > 255
    assert [len(part) // 2 for part in vendor["parts"]] == [255, vendor["length"] - 255]
    assert "".join(vendor["parts"]) == vendor["hex"]


@pytest.mark.parametrize("as_json", [False, True])
def test_output_file_is_confirmed_on_stderr(
    as_json: bool, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "phones.conf"
    flags = ["--json"] if as_json else []
    code, printed, _ = run(capsys, *ARGV, "--format", "dnsmasq", "--subnet", "10.0.0.0/24", *flags)
    assert code == 0
    code, out, err = run(
        capsys,
        *ARGV,
        "--format",
        "dnsmasq",
        "--subnet",
        "10.0.0.0/24",
        *flags,
        "--output",
        str(target),
    )
    assert code == 0 and out == ""
    what = "the dnsmasq configuration" + (" as JSON" if as_json else "")
    assert err == f"phonesim: wrote {what} to {target}\n"
    assert target.read_text() == printed


def test_an_unwritable_output_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, *ARGV, "--output", str(tmp_path / "missing" / "x.conf"))
    assert code == 2 and out == ""
    assert err.startswith("phonesim: error: cannot write") and err.count("\n") == 1
