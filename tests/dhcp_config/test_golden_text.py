"""Formats no checker runs here (DHCPUtil hex, Windows netsh, Cisco IOS): golden text.

The hex values are DHCPUtil's own output for `-sipserver server.fqdn.company.com`
(protocol.md §5); netsh follows the seed's DHCPConfigScript line for line.
"""

from __future__ import annotations

import pytest

from phonesim.cli import main

DHCPUTIL_120 = "0006736572766572046671646E07636F6D70616E7903636F6D00"
DHCPUTIL_43 = (
    "010C4D532D55432D436C69656E740205687474707303177365727665722E6671646E2E636F6D70616E792E"
    "636F6D040334343305252F4365727450726F762F4365727450726F766973696F6E696E675365727669"
    "63652E737663"
)


def dhcp_config(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["dhcp-config", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_hex_is_dhcputils_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = dhcp_config(capsys, "--sip-server", "server.fqdn.company.com")
    assert code == 0 and err == ""
    assert out == (
        f"Option 120: {DHCPUTIL_120}\nLength: 52\nOption 43: {DHCPUTIL_43}\nLength: 180\n"
    )


def test_hex_shows_the_rfc_3396_parts_of_a_long_option_43(
    capsys: pytest.CaptureFixture[str],
) -> None:
    web = ".".join(["w" * 60] * 3) + ".company.com"
    code, out, _ = dhcp_config(capsys, "--sip-server", "pool.company.com", "--web-server", web)
    assert code == 0
    lines = out.splitlines()
    assert lines[2].startswith("Option 43: ")
    whole = lines[2].removeprefix("Option 43: ")
    assert lines[3] == f"Length: {len(whole)}"
    assert len(whole) == 2 * (14 + 7 + 2 + len(web) + 5 + 39)
    first = lines[4].removeprefix("Option 43 part 1 of 2 (RFC 3396): ")
    second = lines[5].removeprefix("Option 43 part 2 of 2 (RFC 3396): ")
    assert len(first) == 2 * 255 and first + second == whole
    assert len(lines) == 6


def test_netsh_runs_dhcpconfigscript_commands(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = dhcp_config(
        capsys, "--sip-server", "server.fqdn.company.com", "--format", "netsh"
    )
    assert code == 0 and err == ""
    assert out == (
        'netsh dhcp server add optiondef 120 UCSipServer Binary 0 comment="Sip Server FQDN"\n'
        f"netsh dhcp server set optionvalue 120 Binary {DHCPUTIL_120}\n"
        'netsh dhcp server add class MSUCClient "UC Vendor Class Id" "MS-UC-Client" 1\n'
        "netsh dhcp server add optiondef 1 UCIdentifier Binary 0 Vendor=MSUCClient "
        'comment="UC Identifier"\n'
        "netsh dhcp server set optionvalue 1 Binary vendor=MSUCClient 4D532D55432D436C69656E74\n"
        "netsh dhcp server add optiondef 2 URLScheme Binary 0 Vendor=MSUCClient "
        'comment="URL Scheme"\n'
        "netsh dhcp server set optionvalue 2 Binary vendor=MSUCClient 6874747073\n"
        "netsh dhcp server add optiondef 3 WebServerFqdn Binary 0 Vendor=MSUCClient "
        'comment="OCS Internal Web Fqdn"\n'
        "netsh dhcp server set optionvalue 3 Binary vendor=MSUCClient "
        "7365727665722E6671646E2E636F6D70616E792E636F6D\n"
        "netsh dhcp server add optiondef 4 WebServerPort Binary 0 Vendor=MSUCClient "
        'comment=" OCS Internal Web Fqdn Port"\n'
        "netsh dhcp server set optionvalue 4 Binary vendor=MSUCClient 343433\n"
        "netsh dhcp server add optiondef 5 CertProvRelPath Binary 0 Vendor=MSUCClient "
        'comment="Cert Prov Relative Path"\n'
        "netsh dhcp server set optionvalue 5 Binary vendor=MSUCClient "
        "2F4365727450726F762F4365727450726F766973696F6E696E67536572766963652E737663\n"
    )


def test_cisco_ios_keeps_option_43_hex_at_the_180_character_limit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = dhcp_config(
        capsys,
        "--sip-server",
        "server.fqdn.company.com",
        "--format",
        "cisco-ios",
        "--subnet",
        "10.20.30.0/24",
    )
    assert code == 0 and err == ""
    assert out == (
        "! phonesim dhcp-config: Lync phones (MS-UC-Client) find\n"
        "!   web services https://server.fqdn.company.com:443/CertProv/CertProvisioningService.svc\n"
        "!   registrar(s) server.fqdn.company.com\n"
        "ip dhcp pool LYNC-PHONES\n"
        " network 10.20.30.0 255.255.255.0\n"
        " option 120 hex 0006.7365.7276.6572.0466.7164.6e07.636f.6d70.616e.7903.636f.6d00\n"
        " option 43 hex 010c.4d53.2d55.432d.436c.6965.6e74.0205.6874.7470.7303.1773.6572.7665"
        ".722e.6671.646e.2e63.6f6d.7061.6e79.2e63.6f6d.0403.3434.3305.252f.4365.7274.5072.6f76"
        ".2f43.6572.7450.726f.7669.7369.6f6e.696e.6753.6572.7669.6365.2e73.7663\n"
    )


def test_cisco_ios_uses_option_ext_43_beyond_180_hex_characters(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A web FQDN of 24 characters is one too many for `option 43 hex` (protocol.md §2)."""
    code, out, err = dhcp_config(
        capsys,
        "--sip-server",
        "pool.company.com",
        "--web-server",
        "server.fqdn2.company.com",
        "--format",
        "cisco-ios",
        "--subnet",
        "10.20.30.0/24",
    )
    assert code == 0
    [line] = [line for line in out.splitlines() if " 43 " in line]
    assert line.startswith(" option ext 43 hex 010c.4d53.")
    assert len(line.split()[-1].replace(".", "")) == 182
    assert "182 hex characters" in err and "option ext 43 hex" in err
    assert err.count("\n") == 1
