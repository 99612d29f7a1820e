"""DHCPINFORM built and DHCPACK read, on scapy, with the options joined by us."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phonesim.codec.dhcp_message import (
    BOOTREPLY,
    BOOTREQUEST,
    DHCPACK,
    DHCPINFORM,
    DhcpMessage,
    build_ack,
    build_inform,
    decode_dhcp_message,
)
from phonesim.codec.dhcp_options import join_options
from phonesim.codec.ms_uc_client_option import encode_ms_uc_client_option
from phonesim.codec.sip_server_option import encode_sip_server_names
from phonesim.errors import MalformedDhcp, MalformedOption

from .strategies import hostnames, ipv4_addresses, mac_addresses, option_codes

MAC = "00:04:f2:aa:bb:cc"
URL = "https://pool01.contoso.com:443/CertProv/CertProvisioningService.svc"


def inform(**overrides: object) -> bytes:
    arguments: dict[str, object] = {
        "xid": 0x1A2B3C4D,
        "mac": MAC,
        "ciaddr": "10.20.30.40",
        "vendor_class": "MS-UC-Client",
        "parameter_request_list": [1, 3, 6, 15, 42, 43, 120],
    }
    arguments.update(overrides)
    return build_inform(**arguments)  # type: ignore[arg-type]


def test_inform_round_trip() -> None:
    message = decode_dhcp_message(inform(max_message_size=1500, hostname="CX600-aabbcc"))
    assert message.op == BOOTREQUEST
    assert message.xid == 0x1A2B3C4D
    assert message.flags == 0
    assert message.ciaddr == "10.20.30.40"
    assert (message.yiaddr, message.siaddr, message.giaddr) == ("0.0.0.0",) * 3
    assert message.chaddr == MAC
    assert message.message_type == DHCPINFORM
    assert message.vendor_class == "MS-UC-Client"
    assert message.parameter_request_list == (1, 3, 6, 15, 42, 43, 120)
    assert message.options.get(57) == (1500).to_bytes(2, "big")
    assert message.options.get(61) == b"\x01" + bytes.fromhex(MAC.replace(":", ""))
    assert message.options.get(12) == b"CX600-aabbcc"
    assert message.options.order == (53, 61, 60, 55, 57, 12)


def test_inform_never_carries_requested_address_lease_time_or_server_id() -> None:
    message = decode_dhcp_message(inform(max_message_size=576, hostname="phone", broadcast=True))
    for forbidden in (50, 51, 54):
        assert message.options.get(forbidden) is None
    assert message.server_id is None
    assert message.lease_time is None


def test_optional_options_are_left_out_when_not_given() -> None:
    message = decode_dhcp_message(inform())
    assert message.options.order == (53, 61, 60, 55)


def test_broadcast_flag() -> None:
    assert decode_dhcp_message(inform(broadcast=True)).flags == 0x8000
    assert decode_dhcp_message(inform(broadcast=False)).flags == 0


def test_messages_are_at_least_300_bytes() -> None:
    assert len(inform()) == 300


def test_scapy_reads_our_inform_the_same_way() -> None:
    from scapy.layers.dhcp import BOOTP, DHCP

    packet = BOOTP(inform())
    assert packet.op == BOOTREQUEST
    assert packet.xid == 0x1A2B3C4D
    assert packet.ciaddr == "10.20.30.40"
    options = [option for option in packet[DHCP].options if isinstance(option, tuple)]
    assert ("message-type", DHCPINFORM) in options
    assert ("vendor_class_id", b"MS-UC-Client") in options
    assert ("param_req_list", [1, 3, 6, 15, 42, 43, 120]) in options


@pytest.mark.parametrize(
    "overrides",
    [
        {"mac": "00:04:f2:aa:bb"},
        {"mac": "zz:04:f2:aa:bb:cc"},
        {"ciaddr": "10.20.30"},
        {"xid": 1 << 32},
        {"parameter_request_list": [0, 43]},
        {"parameter_request_list": [43, 255]},
        {"max_message_size": 575},
        {"hostname": ""},
        {"vendor_class": "MS-UC-Client€"},
    ],
)
def test_inform_refuses_what_it_cannot_send(overrides: dict[str, object]) -> None:
    with pytest.raises((MalformedDhcp, MalformedOption)):
        inform(**overrides)


def ack_options() -> list[tuple[int, bytes]]:
    return [
        (120, encode_sip_server_names(["pool01.contoso.com", "pool02.contoso.com"])),
        (43, encode_ms_uc_client_option(web_server_fqdn="pool01.contoso.com")),
        (15, b"contoso.com"),
        (42, bytes([10, 0, 0, 1, 10, 0, 0, 2])),
    ]


def test_ack_answers_the_inform() -> None:
    request = decode_dhcp_message(inform(broadcast=True))
    reply = decode_dhcp_message(
        build_ack(request=request, server_id="10.0.0.5", options=ack_options())
    )
    assert reply.op == BOOTREPLY
    assert reply.xid == request.xid
    assert reply.flags == 0x8000
    assert reply.chaddr == MAC
    assert reply.ciaddr == request.ciaddr
    assert reply.giaddr == request.giaddr
    assert reply.yiaddr == "0.0.0.0"
    assert reply.message_type == DHCPACK
    assert reply.server_id == "10.0.0.5"
    assert reply.lease_time is None
    assert reply.options.order[:2] == (53, 54)
    assert reply.options.order[2:] == (120, 43, 15, 42)
    sip = reply.sip_server()
    assert sip is not None
    assert sip.servers == ("pool01.contoso.com", "pool02.contoso.com")
    uc = reply.uc_client_vendor()
    assert uc is not None
    assert uc.url == URL
    assert reply.domain_name == "contoso.com"
    assert reply.ntp_servers == ("10.0.0.1", "10.0.0.2")


def test_ack_splits_long_options() -> None:
    request = decode_dhcp_message(inform())
    long_path = "/" + "x" * 250
    uc = encode_ms_uc_client_option(web_server_fqdn="pool01.contoso.com", cert_prov_path=long_path)
    assert len(uc) > 255
    wire = build_ack(request=request, server_id="10.0.0.5", options=[(43, uc)])
    reply = decode_dhcp_message(wire)
    assert reply.options.parts[43] == 2
    assert reply.options.get(43) == uc
    decoded = reply.uc_client_vendor()
    assert decoded is not None
    assert decoded.cert_prov_path == long_path


@pytest.mark.parametrize(("where", "overload"), [("file", 1), ("sname", 2), ("both", 3)])
def test_ack_with_options_overloaded_into_file_and_sname(where: str, overload: int) -> None:
    request = decode_dhcp_message(inform())
    options = [(120, encode_sip_server_names(["pool01.contoso.com"])), (15, b"contoso.com")]
    wire = build_ack(
        request=request,
        server_id="10.0.0.5",
        options=options,
        overload_into=where,  # type: ignore[arg-type]
    )
    reply = decode_dhcp_message(wire)
    assert reply.options.overload == overload
    assert reply.options.order == (53, 54, 52, 120, 15)
    for code, value in options:
        assert reply.options.get(code) == value
    # Nothing but 53, 54, 52 and the end option is left in the options field.
    assert wire[240:].rstrip(b"\x00") == bytes.fromhex("35010536040a0000053401") + bytes(
        (overload, 255)
    )


def test_overload_both_fills_file_then_sname() -> None:
    request = decode_dhcp_message(inform())
    uc = encode_ms_uc_client_option(web_server_fqdn="pool01.contoso.com")
    sip = encode_sip_server_names(["pool01.contoso.com", "pool02.contoso.com"])
    assert (len(uc), len(sip)) == (85, 41)
    wire = build_ack(
        request=request, server_id="10.0.0.5", options=[(43, uc), (120, sip)], overload_into="both"
    )
    # file (128 bytes at 108): 43 in 2+85 bytes, then 120 cut to 2+38, then the end option
    assert wire[108] == 43
    assert wire[108 + 87 : 108 + 89] == bytes((120, 38))
    assert wire[235] == 255
    # sname (64 bytes at 44): the other 3 bytes of 120, then the end option
    assert wire[44:50] == bytes((120, 3)) + sip[38:] + b"\xff"
    reply = decode_dhcp_message(wire)
    assert reply.options.get(43) == uc
    assert reply.options.get(120) == sip
    assert reply.options.parts[120] == 2
    joined = join_options(wire[240:], file=wire[108:236], sname=wire[44:108])
    assert joined.values == reply.options.values


def test_overload_cuts_an_option_longer_than_file_across_file_and_sname() -> None:
    request = decode_dhcp_message(inform())
    big = bytes(range(150))
    wire = build_ack(
        request=request, server_id="10.0.0.5", options=[(43, big)], overload_into="both"
    )
    reply = decode_dhcp_message(wire)
    assert reply.options.get(43) == big
    assert reply.options.parts[43] == 2


def test_overload_that_does_not_fit_is_refused() -> None:
    request = decode_dhcp_message(inform())
    with pytest.raises(MalformedDhcp):
        build_ack(
            request=request, server_id="10.0.0.5", options=[(43, b"x" * 70)], overload_into="sname"
        )


@pytest.mark.parametrize("code", [52, 53, 54])
def test_ack_writes_its_own_53_54_52(code: int) -> None:
    request = decode_dhcp_message(inform())
    with pytest.raises(MalformedOption):
        build_ack(request=request, server_id="10.0.0.5", options=[(code, b"\x01")])


def header(**fields: bytes) -> bytearray:
    data = bytearray(inform()[:240])
    for name, value in fields.items():
        start = {"sname": 44, "file": 108}[name]
        data[start : start + len(value)] = value
    return data


def test_short_message_and_bad_cookie_are_refused() -> None:
    with pytest.raises(MalformedDhcp) as caught:
        decode_dhcp_message(inform()[:239])
    assert caught.value.offset == 239
    bad = bytearray(inform())
    bad[236] = 0
    with pytest.raises(MalformedDhcp) as caught:
        decode_dhcp_message(bytes(bad))
    assert caught.value.offset == 236


def test_option_errors_carry_the_offset_in_the_message() -> None:
    data = header() + b"\x35\x01\x05\x2b\x09abc"
    with pytest.raises(MalformedDhcp) as caught:
        decode_dhcp_message(bytes(data))
    assert caught.value.offset == 243


def test_decoder_reads_an_overloaded_sname_from_the_header() -> None:
    data = header(sname=b"\x78\x05\x00\x01a\x00\x00\xff") + b"\x35\x01\x05\x34\x01\x02\xff"
    message = decode_dhcp_message(bytes(data))
    assert message.options.overload == 2
    assert message.options.get(120) == b"\x00\x01a\x00\x00"


def test_unreadable_message_type_or_server_id_makes_the_message_malformed() -> None:
    for options in (b"\x35\x02\x05\x05", b"\x35\x01\x05\x36\x03\x0a\x00\x00"):
        with pytest.raises(MalformedDhcp):
            decode_dhcp_message(bytes(header() + options))


def test_option_properties_check_their_lengths() -> None:
    message = DhcpMessage(
        op=2,
        xid=1,
        flags=0,
        ciaddr="0.0.0.0",
        yiaddr="0.0.0.0",
        siaddr="0.0.0.0",
        giaddr="0.0.0.0",
        chaddr=MAC,
        options=join_options(b"\x2a\x05\x0a\x00\x00\x01\x02\x33\x02\x00\x01\x0f\x02\xe9\x00"),
    )
    for read in (
        lambda: message.ntp_servers,
        lambda: message.lease_time,
        lambda: message.domain_name,
    ):
        with pytest.raises(MalformedOption):
            read()


def test_domain_name_drops_a_trailing_nul() -> None:
    data = header() + b"\x35\x01\x05\x0f\x0ccontoso.com\x00\xff"
    assert decode_dhcp_message(bytes(data)).domain_name == "contoso.com"


def test_importing_the_codecs_does_not_import_scapy() -> None:
    code = (
        "import sys, phonesim.codec.dhcp_message, phonesim.codec.dhcp_options, "
        "phonesim.codec.sip_server_option, phonesim.codec.ms_uc_client_option, "
        "phonesim.codec.hex_text; print(any(m.startswith('scapy') for m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"


@given(
    xid=st.integers(min_value=0, max_value=0xFFFFFFFF),
    mac=mac_addresses,
    ciaddr=ipv4_addresses,
    vendor_class=st.text(
        alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF), min_size=1, max_size=60
    ),
    requested=st.lists(st.integers(min_value=1, max_value=254), min_size=1, max_size=30),
    max_size=st.none() | st.integers(min_value=576, max_value=65535),
    hostname=st.none() | hostnames,
    broadcast=st.booleans(),
)
def test_any_inform_round_trips(
    xid: int,
    mac: str,
    ciaddr: str,
    vendor_class: str,
    requested: list[int],
    max_size: int | None,
    hostname: str | None,
    broadcast: bool,
) -> None:
    wire = build_inform(
        xid=xid,
        mac=mac,
        ciaddr=ciaddr,
        vendor_class=vendor_class,
        parameter_request_list=requested,
        max_message_size=max_size,
        hostname=hostname,
        broadcast=broadcast,
    )
    message = decode_dhcp_message(wire)
    assert (message.xid, message.chaddr, message.ciaddr) == (xid, mac, ciaddr)
    assert message.flags == (0x8000 if broadcast else 0)
    assert message.message_type == DHCPINFORM
    assert message.vendor_class == vendor_class
    assert message.parameter_request_list == tuple(requested)
    assert message.options.get(57) == (None if max_size is None else max_size.to_bytes(2, "big"))
    assert message.options.get(12) == (None if hostname is None else hostname.encode())


ack_option_codes = option_codes.filter(lambda code: code not in (53, 54))


@given(
    options=st.lists(st.tuples(ack_option_codes, st.binary(max_size=600)), max_size=6),
    server_id=ipv4_addresses,
)
def test_any_ack_round_trips(options: list[tuple[int, bytes]], server_id: str) -> None:
    request = decode_dhcp_message(inform())
    reply = decode_dhcp_message(build_ack(request=request, server_id=server_id, options=options))
    assert reply.server_id == server_id
    assert reply.message_type == DHCPACK
    expected: dict[int, bytes] = {}
    for code, value in options:
        expected[code] = expected.get(code, b"") + value
    assert {code: reply.options.get(code) for code in expected} == expected
    assert reply.options.order == (53, 54, *dict.fromkeys(code for code, _value in options))


@given(
    options=st.lists(st.tuples(ack_option_codes, st.binary(max_size=60)), min_size=1, max_size=3),
    where=st.sampled_from(["file", "sname", "both"]),
)
def test_any_overloaded_ack_round_trips_when_it_fits(
    options: list[tuple[int, bytes]], where: str
) -> None:
    request = decode_dhcp_message(inform())
    try:
        wire = build_ack(
            request=request,
            server_id="10.0.0.5",
            options=options,
            overload_into=where,  # type: ignore[arg-type]
        )
    except MalformedDhcp:
        # Each field keeps a byte for its end option; a cut at a field boundary
        # costs at most 4 more bytes (a new header, or a too-small tail left empty).
        fields = {"file": (127,), "sname": (63,), "both": (127, 63)}[where]
        needed = sum(2 + len(value) for _code, value in options)
        assert needed > sum(fields) - 4 * (len(fields) - 1)
        return
    reply = decode_dhcp_message(wire)
    expected: dict[int, bytes] = {}
    for code, value in options:
        expected[code] = expected.get(code, b"") + value
    assert {code: reply.options.get(code) for code in expected} == expected
