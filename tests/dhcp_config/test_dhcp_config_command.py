"""`phonesim dhcp-config` as an admin runs it: the values each format carries, warnings, bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from phonesim.cli import main
from phonesim.codec.dhcp_message import decode_dhcp_message
from phonesim.codec.hex_text import parse_hex
from phonesim.codec.ms_uc_client_option import decode_ms_uc_client_option
from phonesim.codec.sip_server_option import decode_sip_server_option

POOLS = ["pool01.contoso.com", "pool02.contoso.com"]
WEB = "web01.contoso.com"
URL = f"https://{WEB}:443/CertProv/CertProvisioningService.svc"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["dhcp-config", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def values_in(format_name: str, text: str) -> tuple[bytes, bytes]:
    """Options 120 and 43 read back out of a generated config, the way each server reads it."""
    if format_name == "hex":
        found = dict(re.findall(r"^Option (120|43): (\w+)$", text, re.M))
        return parse_hex(found["120"]), parse_hex(found["43"])
    if format_name == "kea":
        dhcp4 = json.loads(text)["Dhcp4"]
        [option_120] = dhcp4["option-data"]
        [phones] = dhcp4["client-classes"]
        [option_43] = phones["option-data"]
        return parse_hex(option_120["data"]), parse_hex(option_43["data"])
    if format_name == "isc-dhcpd":
        option_120 = re.search(r"^option ms-uc-sip-server ([0-9a-f:]+);$", text, re.M)
        option_43 = re.search(r"vendor-encapsulated-options ([0-9a-f:]+);", text)
        assert option_120 and option_43
        return parse_hex(option_120[1]), parse_hex(option_43[1])
    if format_name == "cisco-ios":
        option_120 = re.search(r"^ option 120 hex ([0-9a-f.]+)$", text, re.M)
        option_43 = re.search(r"^ option (?:ext )?43 hex ([0-9a-f.]+)$", text, re.M)
        assert option_120 and option_43
        return parse_hex(option_120[1]), parse_hex(option_43[1])
    if format_name == "netsh":
        values = dict(
            re.findall(r"set optionvalue (\d+) Binary (?:vendor=MSUCClient )?(\w+)", text)
        )
        sub_options = b"".join(
            bytes((code, len(parse_hex(values[str(code)])))) + parse_hex(values[str(code)])
            for code in range(1, 6)
        )
        return parse_hex(values["120"]), sub_options
    if format_name == "dnsmasq":
        option_120 = re.search(r"^dhcp-option=120,([0-9a-f:]+)$", text, re.M)
        subs = re.findall(r'^dhcp-option=vendor:MS-UC-Client,(\d),"([^"]*)"$', text, re.M)
        assert option_120
        sub_options = b"".join(
            bytes((int(code), len(value))) + value.encode() for code, value in subs
        )
        return parse_hex(option_120[1]), sub_options
    raise AssertionError(format_name)


@pytest.mark.parametrize(
    "format_name", ["hex", "netsh", "dnsmasq", "kea", "isc-dhcpd", "cisco-ios"]
)
def test_every_format_carries_the_same_registrars_and_url(
    format_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--format", format_name, "--web-server", WEB, "--subnet", "10.1.2.0/24"]
    for pool in POOLS:
        argv += ["--sip-server", pool]
    code, out, _ = run(capsys, *argv)
    assert code == 0
    option_120, option_43 = values_in(format_name, out)
    sip = decode_sip_server_option(option_120)
    assert (sip.encoding, list(sip.servers), sip.compressed) == (0, POOLS, False)
    vendor = decode_ms_uc_client_option(option_43)
    assert vendor.url == URL and vendor.identifier == "MS-UC-Client"


def test_addresses_give_option_120_encoding_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "--sip-server", "192.0.2.10", "--sip-server", "192.0.2.11", "--web-server", WEB
    )
    assert code == 0
    sip = decode_sip_server_option(values_in("hex", out)[0])
    assert (sip.encoding, sip.servers) == (1, ("192.0.2.10", "192.0.2.11"))


def test_without_web_server_the_registrar_serves_the_url_as_with_dhcputil(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "--sip-server", "pool01.contoso.com")
    assert code == 0
    vendor = decode_ms_uc_client_option(values_in("hex", out)[1])
    assert vendor.web_server_fqdn == "pool01.contoso.com"


def test_a_third_registrar_is_accepted_with_a_warning(capsys: pytest.CaptureFixture[str]) -> None:
    argv = []
    for number in (1, 2, 3):
        argv += ["--sip-server", f"pool0{number}.contoso.com"]
    code, out, err = run(capsys, *argv)
    assert code == 0
    assert len(decode_sip_server_option(values_in("hex", out)[0]).servers) == 3
    assert "phones try only the first 2" in err


@pytest.mark.parametrize("format_name", ["dnsmasq", "kea", "isc-dhcpd", "cisco-ios"])
def test_a_missing_subnet_is_a_placeholder_with_a_warning(
    format_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "--sip-server", "pool01.contoso.com", "--format", format_name)
    assert code == 0
    assert "192.0.2.0" in out
    assert "no --subnet" in err


@pytest.mark.parametrize(
    ("format_name", "server_words"),
    [("dnsmasq", "dnsmasq splits it"), ("isc-dhcpd", "option 57"), ("netsh", "not documented")],
)
def test_a_long_option_43_warns_what_the_server_will_do(
    format_name: str, server_words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    web = ".".join(["web-" + letter * 50 for letter in "abcd"]) + ".contoso.com"
    code, _, err = run(
        capsys,
        "--sip-server",
        "pool.contoso.com",
        "--web-server",
        web,
        "--format",
        format_name,
        "--subnet",
        "10.1.2.0/24",
    )
    assert code == 0
    assert "option 43 is" in err and server_words in err


def test_the_output_file_holds_what_stdout_would(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = ["--sip-server", "pool01.contoso.com", "--format", "kea", "--subnet", "10.1.2.0/24"]
    code, printed, _ = run(capsys, *argv)
    assert code == 0 and printed.startswith("{")
    target = tmp_path / "kea.json"
    assert run(capsys, *argv, "--output", str(target)) == (
        0,
        "",
        f"phonesim: wrote the kea configuration to {target}\n",
    )
    assert target.read_text() == printed


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--sip-server", "pool01.contoso.com", "--sip-server", "192.0.2.1"], "not both"),
        (["--sip-server", "192.0.2.1"], "--web-server"),
        (["--sip-server", "pool01.contoso.com", "--subnet", "10.1.2"], "--subnet"),
        (["--sip-server", "pool01.contoso.com", "--web-port", "https"], "--web-port 'https'"),
        (["--sip-server", "pööl.contoso.com"], "xn--pl-fkaa.contoso.com"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("phonesim: error:") and message in err and err.count("\n") == 1


def test_dhcp_config_appears_in_phonesim_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "dhcp-config" in capsys.readouterr().out


def test_ack_built_from_generated_values_decodes_as_the_phone_reads_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The bytes a server takes from the config, in a DHCPACK, give the phone its URL and pools."""
    from phonesim.codec.dhcp_message import build_ack, build_inform

    argv = ["--web-server", WEB, "--sip-server", POOLS[0], "--sip-server", POOLS[1]]
    option_120, option_43 = values_in("hex", run(capsys, *argv)[1])
    inform = decode_dhcp_message(
        build_inform(
            xid=7,
            mac="00:04:f2:00:00:01",
            ciaddr="192.0.2.20",
            vendor_class="MS-UC-Client",
            parameter_request_list=[43, 120],
        )
    )
    ack = decode_dhcp_message(
        build_ack(
            request=inform, server_id="192.0.2.1", options=[(120, option_120), (43, option_43)]
        )
    )
    assert ack.sip_server() is not None and list(ack.sip_server().servers) == POOLS  # type: ignore[union-attr]
    assert ack.uc_client_vendor() is not None and ack.uc_client_vendor().url == URL  # type: ignore[union-attr]
