"""`dhcp-config --vlan`: the CPE-OCPHONE answer (option 43 sub-option 10, ASCII digits)
in every format, and `--pool` for the servers that lease."""

from __future__ import annotations

import ipaddress
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phonesim.cli import main
from phonesim.codec.cpe_ocphone_option import decode_cpe_ocphone_option
from phonesim.dhcp_config import Site, phone_options, render
from phonesim.dhcp_config.phone_options import colon_hex

BASE = ["dhcp-config", "--sip-server", "pool01.contoso.com", "--subnet", "10.1.0.0/24"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([*BASE, *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("format_name", "lines"),
    [
        ("hex", ["Option 43 (CPE-OCPHONE): 0A03313530", "Length: 10"]),
        ("dnsmasq", ['dhcp-option=vendor:CPE-OCPHONE,10,"150"']),
        (
            "isc-dhcpd",
            [
                'class "CPE-OCPHONE" {',
                '  match if option vendor-class-identifier = "CPE-OCPHONE";',
                "  option vendor-encapsulated-options 0a:03:31:35:30;",
            ],
        ),
        (
            "netsh",
            [
                'netsh dhcp server add class CPEOCPHONE "Phone VLAN Query" "CPE-OCPHONE" 1',
                'netsh dhcp server add optiondef 10 VLANID String 0 Vendor=CPEOCPHONE comment="VLAN ID"',
                'netsh dhcp server set optionvalue 10 String vendor=CPEOCPHONE "150"',
            ],
        ),
        ("cisco-ios", ["ip dhcp pool LYNC-PHONES-VLAN-QUERY", " option 43 hex 0a03.3135.30"]),
    ],
)
def test_each_format_answers_the_vlan_query_with_ascii_digits(
    format_name: str, lines: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--vlan", "150", "--format", format_name)
    assert code == 0
    for line in lines:
        assert line in out.splitlines()
    code, without, _ = run(capsys, "--format", format_name)
    assert "CPE-OCPHONE" not in without


def test_kea_has_a_class_of_its_own_for_cpe_ocphone(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--vlan", "150", "--format", "kea")
    assert code == 0
    classes = {c["name"]: c for c in json.loads(out)["Dhcp4"]["client-classes"]}
    vlan = classes["CPE-OCPHONE"]
    assert vlan["test"] == "option[60].text == 'CPE-OCPHONE'"
    assert vlan["option-data"] == [{"name": "vendor-encapsulated-options", "data": "0A03313530"}]
    assert set(classes) == {"MS-UC-Client", "CPE-OCPHONE"}


def test_dnsmasq_quotes_the_vlan_so_it_is_not_a_one_byte_integer(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, "--vlan", "150", "--format", "dnsmasq")
    assert "dhcp-option=vendor:CPE-OCPHONE,10,150" not in out


def test_json_reads_the_vlan_back_with_the_phone_s_codec(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "--vlan", "2001", "--format", "dnsmasq", "--json")
    assert code == 0
    [vlan] = [o for o in json.loads(out)["options"] if o.get("vendor_class") == "CPE-OCPHONE"]
    assert vlan["hex"] == "0a0432303031" and vlan["decoded"] == {"vlan_id": 2001}


@pytest.mark.parametrize(
    ("format_name", "line"),
    [
        ("dnsmasq", "dhcp-range=10.1.0.100,10.1.0.199,255.255.255.0,1h"),
        ("isc-dhcpd", "  range 10.1.0.100 10.1.0.199;"),
    ],
)
def test_a_pool_is_leased_from(
    format_name: str, line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--pool", "10.1.0.100-10.1.0.199", "--format", format_name)
    assert code == 0 and line in out.splitlines()
    assert ",static," not in out


def test_kea_leases_the_pool(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--pool", "10.1.0.100-10.1.0.199", "--format", "kea")
    [subnet] = json.loads(out)["Dhcp4"]["subnet4"]
    assert subnet["pools"] == [{"pool": "10.1.0.100 - 10.1.0.199"}]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--vlan", "4095"], "'4095' is not a VLAN ID (1-4094)"),
        (["--vlan", "voice"], "'voice' is not a VLAN ID (1-4094)"),
        (["--pool", "10.1.0.100"], "is not FIRST-LAST"),
        (["--pool", "10.1.0.200-10.1.0.100"], "the first address must come before the last"),
        (["--pool", "10.1.0.100-10.2.0.1"], "10.2.0.1 is not a host address of 10.1.0.0/24"),
    ],
)
def test_bad_vlan_or_pool_is_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        code = main([*BASE, *argv, "--format", "dnsmasq"])
        raise SystemExit(code)
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert message in err and "Traceback" not in err


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=4094))
def test_every_vlan_id_reads_back_as_digits_with_the_phone_s_codec(vlan: int) -> None:
    options = phone_options(["pool01.contoso.com"], vlan_id=vlan)
    value = options.vlan_option_43
    assert value is not None
    decoded = decode_cpe_ocphone_option(value)
    assert decoded.vlan_id == vlan and not decoded.vlan_as_integer
    site = Site(subnet=ipaddress.IPv4Network("10.1.0.0/24"))
    kea = json.loads(render("kea", options, site).text)
    [vlan_class] = [c for c in kea["Dhcp4"]["client-classes"] if c["name"] == "CPE-OCPHONE"]
    assert bytes.fromhex(vlan_class["option-data"][0]["data"]) == value
    assert f'dhcp-option=vendor:CPE-OCPHONE,10,"{vlan}"' in render("dnsmasq", options, site).text
    assert colon_hex(value) in render("isc-dhcpd", options, site).text
