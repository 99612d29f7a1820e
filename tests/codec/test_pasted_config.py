"""Server configuration pasted whole or in part, read back into option values.

What admins paste is what their server holds: a DHCPConfigScript run, an IOS
pool from `show running-config`, a dnsmasq or dhcpd file, a Kea JSON document.
Every line gives a value, is understood as carrying none, or is listed as
skipped with its number; a line that is broken says where.
"""

from __future__ import annotations

import contextlib
import json
from ipaddress import IPv4Network

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phonesim.codec.ms_uc_client_option import (
    decode_ms_uc_client_option,
    encode_ms_uc_client_option,
)
from phonesim.codec.pasted_option import (
    FORM_WHOLE,
    PastedText,
    parse_pasted_option,
    read_pasted_text,
)
from phonesim.codec.sip_server_option import decode_sip_server_option, encode_sip_server_names
from phonesim.dhcp_config import FORMATS, Site, phone_options, render
from phonesim.errors import MalformedHex, MalformedPaste

FUZZ = settings(max_examples=400, deadline=None)
WEB = "web01.contoso.com"
URL = f"https://{WEB}:443/CertProv/CertProvisioningService.svc"
OPTION_43 = encode_ms_uc_client_option(web_server_fqdn=WEB)
OPTION_120 = encode_sip_server_names(["pool01.contoso.com"])

# DHCPConfigScript.bat's commands for -SipServer pool01.contoso.com -WebServer web01.contoso.com.
NETSH_SCRIPT = """\
netsh dhcp server add optiondef 120 UCSipServer Binary 0 comment="Sip Server FQDN"
netsh dhcp server set optionvalue 120 Binary 0006706F6F6C303107636F6E746F736F03636F6D00
netsh dhcp server add class MSUCClient "UC Vendor Class Id" "MS-UC-Client" 1
netsh dhcp server add optiondef 1 UCIdentifier Binary 0 Vendor=MSUCClient comment="UC Identifier"
netsh dhcp server set optionvalue 1 Binary vendor=MSUCClient 4D532D55432D436C69656E74
netsh dhcp server add optiondef 2 URLScheme Binary 0 Vendor=MSUCClient comment="URL Scheme"
netsh dhcp server set optionvalue 2 Binary vendor=MSUCClient 6874747073
netsh dhcp server add optiondef 3 WebServerFqdn Binary 0 Vendor=MSUCClient comment="OCS Internal Web Fqdn"
netsh dhcp server set optionvalue 3 Binary vendor=MSUCClient 77656230312E636F6E746F736F2E636F6D
netsh dhcp server add optiondef 4 WebServerPort Binary 0 Vendor=MSUCClient comment=" OCS Internal Web Fqdn Port"
netsh dhcp server set optionvalue 4 Binary vendor=MSUCClient 343433
netsh dhcp server add optiondef 5 CertProvRelPath Binary 0 Vendor=MSUCClient comment="Cert Prov Relative Path"
netsh dhcp server set optionvalue 5 Binary vendor=MSUCClient 2F4365727450726F762F4365727450726F766973696F6E696E67536572766963652E737663
"""


def codes(pasted: PastedText) -> list[int]:
    return [option.code for option in pasted.options]


def option(pasted: PastedText, code: int) -> bytes:
    (value,) = [o.value for o in pasted.options if o.code == code]
    return value


# ------------------------------------------------------------------ netsh


def test_a_whole_netsh_script_joins_option_43_from_its_sub_option_lines() -> None:
    pasted = read_pasted_text(NETSH_SCRIPT)
    assert codes(pasted) == [120, 60, 43] and pasted.skipped == ()
    sip, vendor_class, vendor = pasted.options
    assert sip.value == OPTION_120 and sip.lines == (2,)
    assert vendor_class.value == b"MS-UC-Client" and vendor_class.lines == (3,)
    assert vendor.value == OPTION_43 and vendor.lines == (5, 7, 9, 11, 13)
    assert vendor.vendor == "MS-UC-Client" and vendor.sub_option is None


def test_the_set_optionvalue_lines_alone_still_make_option_43() -> None:
    lines = "\n".join(line for line in NETSH_SCRIPT.splitlines() if "optionvalue" in line)
    pasted = read_pasted_text(lines)
    assert codes(pasted) == [120, 43]
    assert option(pasted, 43) == OPTION_43
    assert pasted.options[1].vendor == "MSUCClient"  # no `add class` line names its data


def test_a_script_missing_a_sub_option_line_gives_option_43_without_it() -> None:
    lines = [line for line in NETSH_SCRIPT.splitlines() if "optionvalue 3 " not in line]
    decoded = decode_ms_uc_client_option(option(read_pasted_text("\n".join(lines)), 43))
    assert decoded.web_server_fqdn is None and decoded.missing == (3,)


def test_netsh_lines_phonesim_does_not_read_are_listed_with_their_number() -> None:
    text = NETSH_SCRIPT + "netsh dhcp server add scope 10.0.0.0 255.255.255.0 Phones\n"
    text = text.replace('"MS-UC-Client" 1', '"MS-UC-Client"')  # IsVendor left out: a user class
    pasted = read_pasted_text(text)
    assert [(s.line, s.reason.split(" (")[0]) for s in pasted.skipped] == [
        (3, "class MSUCClient is a user class"),
        (14, "not a line phonesim reads"),
    ]
    assert 60 not in codes(pasted)


# ------------------------------------------------------------- Cisco IOS


def test_a_cisco_pool_block_with_its_comments() -> None:
    text = f"""\
! Lync phones
ip dhcp pool LYNC-PHONES
 network 10.20.30.0 255.255.255.0
 default-router 10.20.30.1
 option 120 hex {".".join(OPTION_120.hex()[i : i + 4] for i in range(0, 42, 4))}
 option ext 43 hex {".".join(OPTION_43.hex()[i : i + 4] for i in range(0, 168, 4))}
!
"""
    pasted = read_pasted_text(text)
    assert codes(pasted) == [120, 43] and pasted.skipped == ()
    assert option(pasted, 43) == OPTION_43 and option(pasted, 120) == OPTION_120
    assert pasted.options[1].lines == (6,)


def test_a_bad_hex_digit_in_a_pool_says_the_line_and_column() -> None:
    text = "ip dhcp pool X\n option 43 hex 010c.4d5g\n"
    with pytest.raises(MalformedPaste) as caught:
        read_pasted_text(text)
    assert str(caught.value) == "pasted text: line 2: 'g' is not a hex digit at character 23"


# ----------------------------------------------------------------- dnsmasq


def test_dnsmasq_vendor_lines_join_and_a_bare_port_is_an_integer() -> None:
    text = """\
dhcp-option=120,00:06:70:6f:6f:6c:30:31:07:63:6f:6e:74:6f:73:6f:03:63:6f:6d:00
dhcp-option=tag:phones,vendor:MS-UC-Client,2,"https"
dhcp-option=vendor:MS-UC-Client,3,web01.contoso.com
dhcp-option=vendor:MS-UC-Client,4,443
"""
    pasted = read_pasted_text(text)
    assert codes(pasted) == [120, 43]
    assert option(pasted, 43) == b"\x02\x05https\x03\x11web01.contoso.com\x04\x02\x01\xbb"
    assert decode_ms_uc_client_option(option(pasted, 43)).port_as_integer == 443


@pytest.mark.parametrize(
    ("line", "servers"),
    [
        ("dhcp-option=option:sip-server,pool01.contoso.com,pool02.contoso.com", (0, 2)),
        ("dhcp-option=120,192.0.2.1", (1, 1)),
        ("--dhcp-option=120,pool01.contoso.com", (0, 1)),
    ],
)
def test_dnsmasq_option_120_by_name_or_address(line: str, servers: tuple[int, int]) -> None:
    decoded = decode_sip_server_option(option(read_pasted_text(line), 120))
    assert (decoded.encoding, len(decoded.servers)) == servers


# ----------------------------------------------------------------- dhcpd

DHCPD_SPACE = """\
option space MSUC;
option MSUC.UCIdentifier code 1 = text;
option MSUC.URLScheme code 2 = text;
option MSUC.WebServerFqdn code 3 = text;
option MSUC.WebServerPort code 4 = text;
option MSUC.CertProvRelPath code 5 = text;
class "MS-UC-Client" {
  match if option vendor-class-identifier = "MS-UC-Client";
  vendor-option-space MSUC;
  option MSUC.UCIdentifier "MS-UC-Client";
  option MSUC.URLScheme "https";
  option MSUC.WebServerFqdn "web01.contoso.com";
  option MSUC.WebServerPort "443";
  option MSUC.CertProvRelPath "/CertProv/CertProvisioningService.svc";
}
"""


def test_dhcpd_option_space_sub_options_join_into_option_43_for_the_class() -> None:
    pasted = read_pasted_text(DHCPD_SPACE)
    assert codes(pasted) == [60, 43] and pasted.skipped == ()
    assert option(pasted, 43) == OPTION_43
    assert pasted.options[1].vendor == "MS-UC-Client"
    assert pasted.options[1].lines == (10, 11, 12, 13, 14)


def test_dhcpd_integer_port_type_is_sent_as_an_integer() -> None:
    text = DHCPD_SPACE.replace(
        "WebServerPort code 4 = text", "WebServerPort code 4 = unsigned integer 16"
    )
    text = text.replace('WebServerPort "443"', "WebServerPort 443")
    assert decode_ms_uc_client_option(option(read_pasted_text(text), 43)).port_as_integer == 443


def test_a_dhcpd_statement_over_two_lines_and_one_dhcpd_does_not_know() -> None:
    hex_43 = OPTION_43.hex(":")
    text = (
        f"option vendor-encapsulated-options {hex_43[:90]}\n"
        f"    {hex_43[90:]};\n"
        "option foo-bar 1:2:3;\n"
        "option ms-uc-sip-server 0:6:70:6f:6f:6c:30:31:7:63:6f:6e:74:6f:73:6f:3:63:6f:6d:0;\n"
    )
    pasted = read_pasted_text(text)
    assert option(pasted, 43) == OPTION_43 and option(pasted, 120) == OPTION_120
    ((line, reason),) = [(s.line, s.reason) for s in pasted.skipped]
    assert line == 3 and "'foo-bar' is not one phonesim knows" in reason


# ------------------------------------------------------------------- Kea


def test_kea_with_comments_and_sub_options_in_their_space() -> None:
    text = """\
// Kea reads comments of three kinds.
{ "Dhcp4": {
  # option 43 as MS-UC-Client sub-options
  "option-def": [
    {"name": "UCIdentifier", "code": 1, "space": "vendor-encapsulated-options-space", "type": "string"},
    {"name": "WebServerFqdn", "code": 3, "space": "vendor-encapsulated-options-space", "type": "string"}
  ],
  /* the class the phones are in */
  "client-classes": [{
    "name": "phones", "test": "option[60].text == 'MS-UC-Client'",
    "option-data": [
      {"name": "vendor-encapsulated-options"},
      {"name": "UCIdentifier", "space": "vendor-encapsulated-options-space", "data": "MS-UC-Client"},
      {"name": "WebServerFqdn", "space": "vendor-encapsulated-options-space", "data": "web01.contoso.com"},
      {"name": "no-such-option", "data": "00"}
    ]
  }]
} }
"""
    pasted = read_pasted_text(text)
    assert sorted(codes(pasted)) == [43, 60]
    (joined,) = [o for o in pasted.options if o.code == 43]
    assert joined.value == b"\x01\x0cMS-UC-Client\x03\x11web01.contoso.com"
    assert joined.vendor == "MS-UC-Client"
    ((skipped),) = pasted.skipped
    assert skipped.line is None
    assert skipped.text == "Dhcp4.client-classes[0].option-data[3]"


@pytest.mark.parametrize(
    "text",
    [
        json.dumps({"name": "ms-uc-sip-server", "data": OPTION_120.hex().upper()}),
        json.dumps([{"code": 120, "data": OPTION_120.hex(), "csv-format": False}]),
    ],
)
def test_a_kea_option_data_entry_on_its_own(text: str) -> None:
    assert option(read_pasted_text(text), 120) == OPTION_120


def test_broken_kea_json_says_line_and_column() -> None:
    with pytest.raises(MalformedPaste) as caught:
        read_pasted_text('{\n  "Dhcp4": {\n    "option-data": [,]\n  }\n}\n')
    assert caught.value.line == 3 and "Kea JSON" in str(caught.value)


# ------------------------------------------------------------- DHCPUtil


def test_dhcputil_length_that_disagrees_says_the_value_was_cut() -> None:
    text = f"Option 43: {OPTION_43.hex().upper()[:-2]}\nLength: {len(OPTION_43) * 2}\n"
    (cut,) = read_pasted_text(text).options
    assert cut.cut == "option 43: Length says 168 hex characters, 166 present (cut while copying?)"


def test_dhcputil_parts_alone_are_joined() -> None:
    value = bytes(range(1, 256)) + bytes(range(1, 20))
    text = "\n".join(
        [
            f"Option 43 part 1 of 2 (RFC 3396): {value[:255].hex().upper()}",
            f"Option 43 part 2 of 2 (RFC 3396): {value[255:].hex().upper()}",
        ]
    )
    assert option(read_pasted_text(text), 43) == value


# ---------------------------------------------- whole options, cut ones


def test_a_whole_option_whose_length_byte_says_more_is_read_as_cut() -> None:
    text = (bytes((43, len(OPTION_43) + 1)) + OPTION_43).hex()
    (cut,) = read_pasted_text(text).options
    assert (cut.code, cut.value, cut.form, cut.guessed) == (43, OPTION_43, FORM_WHOLE, False)
    assert cut.cut == "option 43 declares 85 bytes, 84 present: the value is cut"


def test_with_the_option_code_a_cut_whole_option_is_still_the_option() -> None:
    text = (bytes((43, len(OPTION_43) + 1)) + OPTION_43).hex()
    (cut,) = read_pasted_text(text, code=43).options
    assert cut.value == OPTION_43 and cut.cut is not None and "declares 85 bytes" in cut.cut


def test_after_a_whole_option_the_cut_one_is_the_last() -> None:
    text = (bytes((120, len(OPTION_120))) + OPTION_120 + bytes((43, 200)) + OPTION_43).hex()
    sip, cut = read_pasted_text(text).options
    assert (sip.code, sip.value, sip.cut) == (120, OPTION_120, None)
    assert cut.cut == "option 43 declares 200 bytes, 84 present: the value is cut"


def test_values_one_per_line_are_read_one_by_one() -> None:
    pasted = read_pasted_text(f"{OPTION_120.hex()}\n\n{OPTION_43.hex()}\n")
    assert [(o.code, o.value, o.lines) for o in pasted.options] == [
        (120, OPTION_120, (1,)),
        (43, OPTION_43, (3,)),
    ]


# ------------------------------------------------------- what is not read


def test_unread_lines_are_listed_and_hex_on_its_own_line_is_named() -> None:
    text = f" option 43 hex {OPTION_43[:40].hex()}\n {OPTION_43[40:].hex()}\nhello world\n"
    pasted = read_pasted_text(text)
    assert [(s.line, s.reason) for s in pasted.skipped] == [
        (2, "hex on a line of its own: paste it alone, or join it to the line it continues"),
        (3, "not a line phonesim reads"),
    ]
    with pytest.raises(MalformedPaste, match="hex on a line of its own"):
        parse_pasted_option(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hello\nworld\n", "nothing phonesim reads in these 2 lines"),
        ("hello", "neither hex nor a netsh, DHCPUtil, dnsmasq, Cisco IOS, ISC dhcpd or Kea line"),
        ("# a comment\n! another\n", "only comments"),
        ("option space MSUC;\noption MSUC.X code 1 = text;\n", "set no value"),
        ('{"Dhcp4": {"subnet4": []}}', "Kea JSON with no option phonesim reads"),
        ('[{"name": "x", "data": "00"}]', r"\(option-data\[0\]: option 'x': no code"),
    ],
)
def test_a_paste_with_nothing_to_read_is_one_error(text: str, message: str) -> None:
    with pytest.raises(MalformedPaste, match=message):
        read_pasted_text(text)


# -------------------------------------------------------------- fuzzing

_FRAGMENTS = [
    "netsh dhcp server set optionvalue ",
    "netsh dhcp server add class ",
    "vendor=MSUCClient ",
    "Option 43: ",
    "Length: ",
    "dhcp-option=",
    "vendor:MS-UC-Client,",
    "option:sip-server,",
    " option ext 43 hex ",
    "ip dhcp pool ",
    "option ",
    "option space ",
    " code 4 = unsigned integer 16;",
    'class "MS-UC-Client" {',
    "match if option vendor-class-identifier = ",
    "vendor-option-space ",
    "}",
    ";",
    '"',
    ",",
    ":",
    "0x",
    "120 ",
    "43 ",
    "4 ",
    "Binary ",
    "IPADDRESS ",
    "WORD ",
    "01bb",
    "2b55",
    "9" * 12,
    "9" * 5000,  # more digits than Python converts to an int
    "²",  # a digit to str.isdigit, not to int()
]
_LINES = st.lists(
    st.one_of(
        st.sampled_from(_FRAGMENTS), st.text(max_size=12), st.binary(max_size=8).map(bytes.hex)
    ),
    max_size=8,
).map("".join)


@FUZZ
@given(st.lists(_LINES, min_size=1, max_size=8).map("\n".join))
def test_config_like_text_raises_only_our_error(text: str) -> None:
    with contextlib.suppress(MalformedHex):
        pasted = read_pasted_text(text)
        assert pasted.options and all(1 <= o.code <= 254 for o in pasted.options)


def _generated(format_name: str) -> str:
    options = phone_options(["pool01.contoso.com", "pool02.contoso.com"], web_server=WEB)
    return render(format_name, options, Site(subnet=IPv4Network("10.0.0.0/24"))).text


@FUZZ
@given(
    st.sampled_from(FORMATS),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 8), st.text(max_size=4)), max_size=6),
)
def test_generated_configuration_mangled_raises_only_our_error(
    format_name: str, edits: list[tuple[int, int, str]]
) -> None:
    text = _generated(format_name)
    for position, length, insert in edits:
        position %= len(text) + 1
        text = text[:position] + insert + text[position + length :]
    with contextlib.suppress(MalformedHex):
        read_pasted_text(text)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 300) | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "Dhcp4",
                    "option-data",
                    "option-def",
                    "client-classes",
                    "subnet4",
                    "pools",
                    "shared-networks",
                    "name",
                    "code",
                    "data",
                    "space",
                    "type",
                    "csv-format",
                    "test",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@FUZZ
@given(_JSON)
def test_any_json_raises_only_our_error(document: object) -> None:
    with contextlib.suppress(MalformedHex):
        pasted = read_pasted_text(json.dumps(document))
        assert pasted.options and all(1 <= o.code <= 254 for o in pasted.options)
