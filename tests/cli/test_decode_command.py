"""`phonesim decode`: pasted values in every form admins have, and what the phone makes of them."""

from __future__ import annotations

import io
import json

import pytest

from phonesim.cli import main
from phonesim.codec.ms_uc_client_option import encode_ms_uc_client_option

DHCPUTIL_43 = (
    "010C4D532D55432D436C69656E740205687474707303177365727665722E6671646E2E636F6D70616E792E"
    "636F6D040334343305252F4365727450726F762F4365727450726F766973696F6E696E67536572766963652E"
    "737663"
)
DHCPUTIL_URL = "https://server.fqdn.company.com:443/CertProv/CertProvisioningService.svc"


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "240")


def decode(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["decode", *argv])
    out, err = capsys.readouterr()
    return code, " ".join(out.split()), err


def test_dhcputil_hex_is_option_43_with_its_url_and_sub_options(capsys) -> None:
    code, out, err = decode(capsys, DHCPUTIL_43)
    assert code == 0 and err == ""
    assert "option 43 (vendor specific)" in out and "guessed" in out
    assert DHCPUTIL_URL in out
    assert "sub-option 3 WebServerFqdn: server.fqdn.company.com" in out
    assert "sub-option 4 WebServerPort: 443" in out


def test_a_whole_option_pasted_lower_case_with_colons(capsys) -> None:
    value = bytes.fromhex(DHCPUTIL_43)
    text = (bytes((43, len(value))) + value).hex(":")
    code, out, _ = decode(capsys, text)
    assert code == 0
    assert "whole option (code, length, value)" in out and DHCPUTIL_URL in out


def test_a_netsh_line_pasted_unquoted(capsys) -> None:
    words = ["netsh", "dhcp", "server", "set", "optionvalue", "120", "Binary"]
    code, out, _ = decode(capsys, *words, "0006736572766572046671646E07636F6D70616E7903636F6D00")
    assert code == 0
    assert "netsh line" in out and "registrar 1: server.fqdn.company.com" in out


def test_cisco_s_180_hex_character_cut_is_explained(capsys) -> None:
    value = encode_ms_uc_client_option(web_server_fqdn="lyncweb01.emea.contoso.com")
    assert len(value) > 90
    dotted = ".".join(value[:90].hex()[i : i + 4] for i in range(0, 180, 4))
    code, out, _ = decode(capsys, f"option 43 hex {dotted}")
    assert code == 1
    assert "no usable web services URL" in out
    assert "sub-option 5 (CertProvRelPath) is cut" in out
    assert "Cisco IOS 15.1(3)S and later cut `option 43 hex` there" in out


def test_a_port_written_as_an_integer_is_explained(capsys) -> None:
    value = bytes.fromhex(DHCPUTIL_43).replace(
        bytes.fromhex("0403343433"), bytes.fromhex("040201bb")
    )
    code, out, _ = decode(capsys, "--option", "43", value.hex())
    assert code == 1
    assert "WebServerPort is the integer 443 (01bb)" in out


def test_a_vendor_class_that_is_not_byte_for_byte_ms_uc_client(capsys) -> None:
    code, out, _ = decode(
        capsys, 'netsh dhcp server add class MSUCClient "UC Vendor Class Id" "ms-uc-client" 1'
    )
    assert code == 1
    assert "'ms-uc-client' is not byte for byte 'MS-UC-Client'" in out


def test_json_and_stdin(capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(DHCPUTIL_43 + "\n"))
    code = main(["decode", "-", "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["fine"]
    (option,) = result["options"]
    assert option["code"] == 43 and option["details"]["url"] == DHCPUTIL_URL
    assert option["details"]["order"] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("01 0c 4g", "'g' is not a hex digit at character 7"),
        ("0x", "'0x' with no digits after it at character 0"),
    ],
)
def test_text_that_is_not_hex_is_one_line_with_the_position(capsys, text: str, where: str) -> None:
    code, out, err = decode(capsys, text)
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [f"phonesim: error: hex text: {where}"]
