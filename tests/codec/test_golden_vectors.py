"""The exact bytes DHCPUtil prints for `-sipserver server.fqdn.company.com` (protocol.md §5)."""

from __future__ import annotations

from phonesim.codec.hex_text import dhcputil_hex, parse_hex
from phonesim.codec.ms_uc_client_option import (
    decode_ms_uc_client_option,
    encode_ms_uc_client_option,
)
from phonesim.codec.sip_server_option import decode_sip_server_option, encode_sip_server_names

OPTION_120_HEX = "0006736572766572046671646E07636F6D70616E7903636F6D00"
OPTION_43_HEX = (
    "010C4D532D55432D436C69656E740205687474707303177365727665722E6671646E2E636F6D70616E792E"
    "636F6D040334343305252F4365727450726F762F4365727450726F766973696F6E696E675365727669"
    "63652E737663"
)
URL = "https://server.fqdn.company.com:443/CertProv/CertProvisioningService.svc"


def test_option_120_matches_dhcputil() -> None:
    assert dhcputil_hex(encode_sip_server_names(["server.fqdn.company.com"])) == OPTION_120_HEX


def test_option_120_golden_decodes() -> None:
    option = decode_sip_server_option(parse_hex(OPTION_120_HEX))
    assert option.encoding == 0
    assert option.servers == ("server.fqdn.company.com",)
    assert not option.missing_terminator
    assert not option.compressed


def test_option_43_matches_dhcputil() -> None:
    encoded = encode_ms_uc_client_option(web_server_fqdn="server.fqdn.company.com")
    text = dhcputil_hex(encoded)
    assert text == OPTION_43_HEX
    # DHCPUtil's "length" counts hex characters: exactly Cisco IOS's 180 limit.
    assert len(text) == 180


def test_option_43_golden_decodes_to_the_url() -> None:
    option = decode_ms_uc_client_option(parse_hex(OPTION_43_HEX))
    assert option.identifier == "MS-UC-Client"
    assert option.url_scheme == "https"
    assert option.web_server_fqdn == "server.fqdn.company.com"
    assert option.web_server_port == "443"
    assert option.port_as_integer is None
    assert option.cert_prov_path == "/CertProv/CertProvisioningService.svc"
    assert option.order == (1, 2, 3, 4, 5)
    assert not option.has_end
    assert option.unknown == ()
    assert option.truncated is None
    assert option.missing == ()
    assert option.url == URL
