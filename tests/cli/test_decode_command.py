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


# ------------------------------------------------- several lines, cut options

NETSH_LINES = [
    'netsh dhcp server add class MSUCClient "UC Vendor Class Id" "MS-UC-Client" 1',
    "netsh dhcp server set optionvalue 1 Binary vendor=MSUCClient 4D532D55432D436C69656E74",
    "netsh dhcp server set optionvalue 2 Binary vendor=MSUCClient 6874747073",
    "netsh dhcp server set optionvalue 4 Binary vendor=MSUCClient 343433",
    "netsh dhcp server set optionvalue 5 Binary vendor=MSUCClient "
    + b"/CertProv/CertProvisioningService.svc".hex(),
    "netsh dhcp server add scope 10.0.0.0 255.255.255.0 Phones",
]


def decode_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, text: str, *argv: str
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    return decode(capsys, "-", *argv)


def test_a_netsh_script_without_the_fqdn_line_misses_it_in_option_43(
    capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = decode_stdin(capsys, monkeypatch, "\n".join(NETSH_LINES))
    assert code == 1 and err == ""
    assert (
        "option 43 (vendor specific) · netsh sub-option lines 2, 3, 4, 5 (class MS-UC-Client)"
        in out
    )
    assert "missing sub-option(s) 3 (WebServerFqdn): no URL can be built" in out
    assert (
        "skipped line 6: netsh dhcp server add scope 10.0.0.0 255.255.255.0 Phones "
        "(not a line phonesim reads)"
    ) in out


def test_skipped_lines_are_in_the_json(capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = decode_stdin(capsys, monkeypatch, "\n".join(NETSH_LINES), "--json")
    result = json.loads(out)
    assert code == 1 and not result["fine"]
    assert result["skipped"] == [
        {
            "line": 6,
            "text": "netsh dhcp server add scope 10.0.0.0 255.255.255.0 Phones",
            "reason": "not a line phonesim reads",
        }
    ]
    vendor = next(o for o in result["options"] if o["code"] == 43)
    assert vendor["lines"] == [2, 3, 4, 5] and vendor["vendor"] == "MS-UC-Client"
    assert vendor["cut"] is None and vendor["paths"] == []


@pytest.mark.parametrize("argv", [[], ["--option", "43"]])
def test_a_whole_option_with_a_wrong_length_byte_is_reported_cut(capsys, argv: list[str]) -> None:
    value = bytes.fromhex(DHCPUTIL_43)
    code, out, err = decode(capsys, *argv, (bytes((43, len(value) + 1)) + value).hex())
    assert code == 1 and err == ""
    assert "whole option (code, length, value)" in out
    assert (
        f"option 43 declares {len(value) + 1} bytes, {len(value)} present: the value is cut" in out
    )
    assert DHCPUTIL_URL in out
    assert "cannot tell" not in out and "sub-option 43" not in out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hello\nworld", "pasted text: nothing phonesim reads in these 2 lines"),
        ("hello", "pasted text: neither hex nor a netsh, DHCPUtil, dnsmasq"),
        ('{"Dhcp4": {"option-data": [}}', "pasted text: line 1: Kea JSON: Expecting value"),
    ],
)
def test_a_paste_with_nothing_readable_is_one_line_and_exit_2(
    capsys, text: str, message: str
) -> None:
    code, out, err = decode(capsys, text)
    assert code == 2 and out == ""
    (line,) = err.strip().splitlines()
    assert line.startswith(f"phonesim: error: {message}")


def test_a_registrar_name_no_phone_can_look_up_is_an_error(capsys) -> None:
    # dhcp-config refuses to write this name; decode must not call it ok when pasted.
    code = main(["decode", "dhcp-option=120,zz:01"])
    out = capsys.readouterr().out
    assert code == 1
    assert "ERROR: registrar name 'zz:01'" in " ".join(out.split())
    assert "ok: registrar names" not in out
