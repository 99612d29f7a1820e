"""`phonesim decode` reads back what `phonesim dhcp-config` writes, in every format.

An admin checks a server's configuration by pasting it into `decode`; the
registrars and the web service URL must come back exactly as given.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from phonesim.cli import main
from phonesim.dhcp_config import FORMATS

SITES = {
    "two registrars": {
        "sip": ["pool01.contoso.com", "pool02.contoso.com"],
        "web": "web01.contoso.com",
        "port": "443",
        "scheme": "https",
        "path": "/CertProv/CertProvisioningService.svc",
    },
    "registrar addresses, other URL parts": {
        "sip": ["192.0.2.10", "192.0.2.11"],
        "web": "lyncweb.emea.contoso.com",
        "port": "4443",
        "scheme": "http",
        "path": "/Cert/Prov.svc",
    },
    "option 43 over 255 bytes": {
        "sip": ["pool01.contoso.com"],
        "web": ".".join(["w" * 60] * 3) + ".contoso.com",
        "port": "443",
        "scheme": "https",
        "path": "/CertProv/CertProvisioningService.svc",
    },
}


def dhcp_config(capsys: pytest.CaptureFixture[str], format_name: str, site: dict[str, Any]) -> str:
    argv = ["dhcp-config", "--format", format_name, "--subnet", "10.20.30.0/24"]
    for server in site["sip"]:
        argv += ["--sip-server", server]
    argv += ["--web-server", site["web"], "--web-port", site["port"]]
    argv += ["--url-scheme", site["scheme"], "--cert-prov-path", site["path"]]
    assert main(argv) == 0
    return capsys.readouterr().out


def decode_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, text: str
) -> tuple[int, dict[str, Any]]:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    code = main(["decode", "-", "--json"])
    captured = capsys.readouterr()
    assert captured.err == ""
    return code, json.loads(captured.out)


@pytest.mark.parametrize("site_name", list(SITES))
@pytest.mark.parametrize("format_name", FORMATS)
def test_decode_reads_back_every_format(
    format_name: str,
    site_name: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    site = SITES[site_name]
    written = dhcp_config(capsys, format_name, site)
    code, decoded = decode_stdin(capsys, monkeypatch, written)
    by_code: dict[int, list[dict[str, Any]]] = {}
    for option in decoded["options"]:
        by_code.setdefault(option["code"], []).append(option)
    (sip,) = by_code[120]
    (vendor,) = by_code[43]
    assert sip["details"]["servers"] == site["sip"]
    assert sip["details"]["encoding"] == (1 if site["sip"][0][0].isdigit() else 0)
    details = vendor["details"]
    assert details["web_server_fqdn"] == site["web"]
    assert details["web_server_port"] == site["port"]
    assert details["url_scheme"] == site["scheme"]
    assert details["cert_prov_path"] == site["path"]
    assert details["identifier"] == "MS-UC-Client"
    assert details["url"] == f"{site['scheme']}://{site['web']}:{site['port']}{site['path']}"
    # Where a format ties option 43 to a vendor class, the class is read too.
    if format_name in ("netsh", "isc-dhcpd", "kea"):
        (vendor_class,) = by_code[60]
        assert vendor_class["details"]["text"] == "MS-UC-Client"
    if format_name in ("netsh", "dnsmasq", "isc-dhcpd", "kea"):
        assert vendor["vendor"] in ("MS-UC-Client", "MSUCClient")
    assert not [s for s in decoded["skipped"]], decoded["skipped"]
    # Only the http scheme draws a warning, never an error: the value is what was asked for.
    assert code == 0 and decoded["fine"]


@pytest.mark.parametrize("format_name", FORMATS)
def test_each_line_of_a_format_is_read_alone_too(
    format_name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A line copied on its own from any format's output reads as the option it sets."""
    written = dhcp_config(capsys, format_name, SITES["two registrars"])
    if format_name == "kea":
        lines = [json.dumps(json.loads(written)["Dhcp4"]["option-data"][0])]
    else:
        lines = [
            line for line in written.splitlines() if "120" in line or "sip-server" in line.lower()
        ]
        lines = [
            line
            for line in lines
            if "optiondef" not in line
            and " code 120 " not in line
            and not line.lstrip().startswith(("#", "!"))
        ]
    assert lines
    for line in lines:
        code, decoded = decode_stdin(capsys, monkeypatch, line)
        assert code == 0, line
        (option,) = decoded["options"]
        assert (
            option["code"] == 120 and option["details"]["servers"] == SITES["two registrars"]["sip"]
        ), line
