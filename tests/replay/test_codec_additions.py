"""The small codecs replay added: the CPE-OCPHONE VLAN option, client rewriting, pasted option text."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phonesim.codec.cpe_ocphone_option import decode_cpe_ocphone_option, encode_cpe_ocphone_option
from phonesim.codec.dhcp_message import build_ack, build_inform, decode_dhcp_message
from phonesim.codec.dhcp_rewrite import rewrite_client
from phonesim.codec.ms_uc_client_option import encode_ms_uc_client_option
from phonesim.codec.pasted_option import (
    FORM_CISCO,
    FORM_DHCPD,
    FORM_HEX,
    FORM_NETSH,
    FORM_WHOLE,
    parse_pasted_option,
)
from phonesim.codec.sip_server_option import encode_sip_server_names
from phonesim.errors import MalformedDhcp, MalformedHex, MalformedOption
from tests.codec.strategies import hostnames, ipv4_addresses, mac_addresses

FUZZ = settings(max_examples=400, deadline=None)
EXAMPLES = settings(deadline=None)
# DHCPUtil's exact output for -sipserver server.fqdn.company.com (protocol.md §5).
DHCPUTIL_43 = (
    "010C4D532D55432D436C69656E740205687474707303177365727665722E6671646E2E636F6D70616E792E"
    "636F6D040334343305252F4365727450726F762F4365727450726F766973696F6E696E67536572766963652E"
    "737663"
)
DHCPUTIL_120 = "0006736572766572046671646E07636F6D70616E7903636F6D00"


# ------------------------------------------------------------- CPE-OCPHONE


@EXAMPLES
@given(st.integers(1, 4094))
def test_vlan_option_round_trips(vlan: int) -> None:
    decoded = decode_cpe_ocphone_option(encode_cpe_ocphone_option(vlan))
    assert decoded.vlan_id == vlan and decoded.usable and not decoded.vlan_as_integer


def test_a_binary_vlan_id_is_read_and_flagged_and_out_of_range_is_unusable() -> None:
    decoded = decode_cpe_ocphone_option(bytes((10, 2, 0x00, 0x64, 255)))
    assert decoded.vlan_id == 100 and decoded.vlan_as_integer and decoded.has_end
    assert not decode_cpe_ocphone_option(b"\x0a\x044095").usable
    assert decode_cpe_ocphone_option(b"\x0a\x05100").truncated_code == 10
    with pytest.raises(MalformedOption):
        encode_cpe_ocphone_option(0)


@FUZZ
@given(st.binary(max_size=64))
def test_vlan_decoder_raises_only_its_own_error(value: bytes) -> None:
    with contextlib.suppress(MalformedOption):
        decode_cpe_ocphone_option(value)


# ------------------------------------------------------------ rewrite_client


def inform(xid: int = 0x11, mac: str = "00:04:f2:00:00:01") -> bytes:
    return build_inform(
        xid=xid,
        mac=mac,
        ciaddr="192.0.2.100",
        vendor_class="MS-UC-Client",
        parameter_request_list=[43, 120],
    )


@EXAMPLES
@given(st.integers(0, 0xFFFFFFFF), mac_addresses, ipv4_addresses)
def test_rewriting_changes_the_client_fields_and_nothing_else(
    xid: int, mac: str, address: str
) -> None:
    original = inform()
    moved = rewrite_client(original, xid=xid, mac=mac, ciaddr=address)
    decoded = decode_dhcp_message(moved)
    assert (decoded.xid, decoded.chaddr, decoded.ciaddr) == (xid, mac, address)
    assert decoded.options.get(61) == b"\x01" + bytes.fromhex(mac.replace(":", ""))
    assert decoded.vendor_class == "MS-UC-Client"
    changed = {i for i, (a, b) in enumerate(zip(original, moved, strict=True)) if a != b}
    client_id_at = original.index(b"\x3d\x07\x01") + 3
    allowed = set(range(4, 8)) | set(range(12, 16)) | set(range(28, 34))
    allowed |= set(range(client_id_at, client_id_at + 6))
    assert changed <= allowed


def test_a_captured_ack_moves_to_the_new_client_with_its_options_untouched() -> None:
    request = decode_dhcp_message(inform())
    ack = build_ack(
        request=request,
        server_id="192.0.2.6",
        options=[(120, encode_sip_server_names(["pool01.contoso.test"]))],
    )
    moved = decode_dhcp_message(rewrite_client(ack, xid=0xABCDEF01, mac="00:08:5d:01:02:03"))
    assert moved.xid == 0xABCDEF01 and moved.chaddr == "00:08:5d:01:02:03"
    assert moved.options == decode_dhcp_message(ack).options
    with pytest.raises(MalformedDhcp):
        rewrite_client(b"\x02" * 100, xid=1)
    with pytest.raises(MalformedDhcp):
        rewrite_client(ack, mac="not-a-mac")


@FUZZ
@given(st.binary(min_size=0, max_size=400), st.integers(0, 0xFFFFFFFF))
def test_rewriting_arbitrary_bytes_raises_only_our_error(data: bytes, xid: int) -> None:
    try:
        rewritten = rewrite_client(data, xid=xid, mac="00:04:f2:00:00:02", ciaddr="192.0.2.1")
    except MalformedDhcp:
        return
    assert len(rewritten) == len(data)


# ------------------------------------------------------------- pasted text


def test_dhcputil_hex_reads_back_as_option_43_and_120() -> None:
    (option,) = parse_pasted_option(DHCPUTIL_43)
    assert (option.code, option.form, option.guessed) == (43, FORM_HEX, True)
    assert option.value == bytes.fromhex(DHCPUTIL_43)
    (sip,) = parse_pasted_option(DHCPUTIL_120.lower())
    assert sip.code == 120 and sip.guessed


def test_whole_options_with_code_and_length_are_split_into_options() -> None:
    value_43 = bytes.fromhex(DHCPUTIL_43)
    value_120 = bytes.fromhex(DHCPUTIL_120)
    text = (bytes((43, len(value_43))) + value_43 + bytes((120, len(value_120))) + value_120).hex()
    options = parse_pasted_option(" ".join(text[i : i + 2] for i in range(0, len(text), 2)))
    assert [(o.code, o.value, o.form) for o in options] == [
        (43, value_43, FORM_WHOLE),
        (120, value_120, FORM_WHOLE),
    ]


def test_the_seed_s_netsh_lines_read_back() -> None:
    (sip,) = parse_pasted_option(f"netsh dhcp server set optionvalue 120 Binary {DHCPUTIL_120}")
    assert (sip.code, sip.form) == (120, FORM_NETSH) and sip.value == bytes.fromhex(DHCPUTIL_120)
    (fqdn,) = parse_pasted_option(
        "netsh dhcp server set optionvalue 3 Binary vendor=MSUCClient "
        + b"pool01.contoso.com".hex()
    )
    assert (fqdn.code, fqdn.sub_option, fqdn.vendor) == (43, 3, "MSUCClient")
    assert fqdn.value == b"pool01.contoso.com"
    (vendor_class,) = parse_pasted_option(
        'netsh dhcp server add class MSUCClient "UC Vendor Class Id" "MS-UC-Client" 1'
    )
    assert (vendor_class.code, vendor_class.value) == (60, b"MS-UC-Client")
    with pytest.raises(MalformedHex, match="optiondef"):
        parse_pasted_option('netsh dhcp server add optiondef 120 UCSipServer Binary 0 comment="x"')


def test_cisco_and_dhcpd_lines_read_back() -> None:
    dotted = ".".join(DHCPUTIL_43[i : i + 4] for i in range(0, len(DHCPUTIL_43), 4))
    (cisco,) = parse_pasted_option(f"  option 43 hex {dotted}")
    assert (cisco.code, cisco.form) == (43, FORM_CISCO) and cisco.value == bytes.fromhex(
        DHCPUTIL_43
    )
    (ascii_60,) = parse_pasted_option('option 60 ascii "MS-UC-Client"')
    assert ascii_60.value == b"MS-UC-Client"
    (dhcpd,) = parse_pasted_option("option vendor-encapsulated-options 1:c:4d:53;")
    assert (dhcpd.code, dhcpd.form, dhcpd.value) == (43, FORM_DHCPD, bytes((1, 12, 0x4D, 0x53)))
    (numbered,) = parse_pasted_option(f"option option-120 {DHCPUTIL_120};")
    assert numbered.code == 120


@EXAMPLES
@given(hostnames)
def test_a_bare_value_with_a_code_is_taken_as_that_option(name: str) -> None:
    value = encode_ms_uc_client_option(web_server_fqdn=name)
    (option,) = parse_pasted_option(value.hex(":"), code=43)
    assert (option.code, option.value, option.guessed) == (43, value, False)


@FUZZ
@given(st.text(max_size=120))
def test_arbitrary_text_raises_only_our_error(text: str) -> None:
    try:
        options = parse_pasted_option(text)
    except MalformedHex:
        return
    assert options and all(1 <= o.code <= 254 for o in options)
