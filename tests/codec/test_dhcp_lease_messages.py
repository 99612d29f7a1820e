"""The lease's messages as RFC 2131 tables 3 and 5 have them, read back by the project's
own reader and by scapy."""

from __future__ import annotations

import ipaddress

import pytest

from phonesim.codec.dhcp_lease_messages import (
    build_discover,
    build_lease_answer,
    build_release,
    build_request,
)
from phonesim.codec.dhcp_message import (
    BROADCAST_FLAG,
    DHCPACK,
    DHCPDISCOVER,
    DHCPNAK,
    DHCPRELEASE,
    DHCPREQUEST,
    decode_dhcp_message,
    load_packet_library,
)
from phonesim.codec.lease_options import read_lease
from phonesim.errors import MalformedDhcp, MalformedOption

MAC = "00:04:f2:12:34:56"


def test_discover_has_no_address_sets_broadcast_and_carries_the_vendor_class() -> None:
    message = decode_dhcp_message(
        build_discover(xid=7, mac=MAC, vendor_class="CPE-OCPHONE", parameter_request_list=[1, 43])
    )
    assert message.message_type == DHCPDISCOVER
    assert message.ciaddr == "0.0.0.0" and message.flags & BROADCAST_FLAG
    assert message.vendor_class == "CPE-OCPHONE"
    assert message.parameter_request_list == (1, 43)
    assert message.chaddr == MAC


def test_discover_without_a_vendor_class_sends_no_option_60() -> None:
    message = decode_dhcp_message(
        build_discover(xid=7, mac=MAC, vendor_class=None, parameter_request_list=[1])
    )
    assert message.options.get(60) is None


def test_request_in_selecting_names_the_offer_in_50_and_the_server_in_54() -> None:
    message = decode_dhcp_message(
        build_request(
            xid=9,
            mac=MAC,
            requested_address="198.51.100.10",
            server_id="198.51.100.1",
            vendor_class=None,
            parameter_request_list=[1],
        )
    )
    assert message.message_type == DHCPREQUEST and message.xid == 9
    assert message.ciaddr == "0.0.0.0"
    assert message.options.get(50) == ipaddress.IPv4Address("198.51.100.10").packed
    assert message.server_id == "198.51.100.1"


def test_release_gives_back_ciaddr_to_the_server_without_50_or_55() -> None:
    message = decode_dhcp_message(
        build_release(xid=3, mac=MAC, address="192.0.2.10", server_id="192.0.2.1")
    )
    assert message.message_type == DHCPRELEASE
    assert message.ciaddr == "192.0.2.10" and message.server_id == "192.0.2.1"
    assert message.options.get(50) is None and message.options.get(55) is None


def test_an_ack_gives_the_address_and_every_lease_option_back() -> None:
    request = decode_dhcp_message(
        build_discover(xid=5, mac=MAC, vendor_class=None, parameter_request_list=[1])
    )
    ack = build_lease_answer(
        request=request,
        message_type=DHCPACK,
        server_id="198.51.100.1",
        address="198.51.100.10",
        options=[
            (1, bytes((255, 255, 255, 0))),
            (3, bytes((198, 51, 100, 1))),
            (6, bytes((198, 51, 100, 2, 198, 51, 100, 3))),
            (15, b"example.test"),
            (4, bytes((198, 51, 100, 4))),
            (42, bytes((198, 51, 100, 5))),
            (51, (3600).to_bytes(4, "big")),
        ],
    )
    values = read_lease(decode_dhcp_message(ack))
    assert values.address == "198.51.100.10"
    assert values.mask == "255.255.255.0"
    assert values.routers == ("198.51.100.1",)
    assert values.dns_servers == ("198.51.100.2", "198.51.100.3")
    assert values.domain == "example.test"
    assert values.time_servers == ("198.51.100.4",)
    assert values.ntp_servers == ("198.51.100.5",)
    assert values.lease_time == 3600
    assert values.malformed == ()


def test_a_malformed_option_is_reported_and_the_rest_still_read() -> None:
    request = decode_dhcp_message(
        build_discover(xid=5, mac=MAC, vendor_class=None, parameter_request_list=[1])
    )
    ack = build_lease_answer(
        request=request,
        message_type=DHCPACK,
        server_id="198.51.100.1",
        address="198.51.100.10",
        options=[(6, b"\x01\x02\x03"), (15, b"example.test")],
    )
    values = read_lease(decode_dhcp_message(ack))
    assert values.dns_servers == ()
    assert values.domain == "example.test"
    assert values.malformed == ("option 6: length 3, not a multiple of 4",)


def test_a_nak_carries_no_address() -> None:
    request = decode_dhcp_message(
        build_discover(xid=5, mac=MAC, vendor_class=None, parameter_request_list=[1])
    )
    nak = decode_dhcp_message(
        build_lease_answer(
            request=request,
            message_type=DHCPNAK,
            server_id="198.51.100.1",
            address="198.51.100.10",
            options=[],
        )
    )
    assert nak.message_type == DHCPNAK and nak.yiaddr == "0.0.0.0"


def test_scapy_reads_the_discover_as_a_dhcp_discover() -> None:
    load_packet_library()
    from scapy.layers.dhcp import BOOTP, DHCP

    packet = BOOTP(
        build_discover(xid=7, mac=MAC, vendor_class="CPE-OCPHONE", parameter_request_list=[43])
    )
    options = dict(o for o in packet[DHCP].options if isinstance(o, tuple))
    assert options["message-type"] == DHCPDISCOVER
    assert options["vendor_class_id"] == b"CPE-OCPHONE"


def test_every_phone_s_discover_and_request_are_what_scapy_writes_for_it() -> None:
    """The messages are stamped from one scapy-written copy per shape: each phone's xid,
    secs, MAC and options 50 and 54 must land where scapy itself puts them."""
    from scapy.layers.dhcp import BOOTP, DHCP

    cases = [
        ("00:04:f2:00:00:01", 1, 0, "MS-UC-Client", (1, 3, 6, 15), "198.51.100.7", "192.0.2.1"),
        ("02:ab:cd:ef:01:23", 0xFFFFFFFF, 70000, None, (6,), "192.0.2.254", "198.51.100.53"),
        ("00:08:5d:12:34:56", 0x1234, 9, "CPE-OCPHONE", (1, 43, 120), "198.51.100.9", "0.0.0.1"),
    ]
    for mac, xid, seconds, vendor_class, requested, address, server in cases:
        hardware = bytes.fromhex(mac.replace(":", ""))
        for kind, extra in ((DHCPDISCOVER, []), (DHCPREQUEST, [address, server])):
            options = [("message-type", kind), ("client_id", b"\x01" + hardware)]
            if extra:
                options += [("requested_addr", address), ("server_id", server)]
            if vendor_class is not None:
                options.append(("vendor_class_id", vendor_class.encode()))
            options += [("param_req_list", list(requested)), "end"]
            expected = bytes(
                BOOTP(
                    op=1,
                    htype=1,
                    hlen=6,
                    xid=xid,
                    secs=min(seconds, 0xFFFF),
                    flags=BROADCAST_FLAG,
                    chaddr=hardware,
                )
                / DHCP(options=options)
            ).ljust(300, b"\x00")
            common = {
                "xid": xid,
                "mac": mac,
                "vendor_class": vendor_class,
                "parameter_request_list": requested,
                "seconds": seconds,
            }
            if kind == DHCPDISCOVER:
                wire = build_discover(**common)  # type: ignore[arg-type]
            else:
                wire = build_request(**common, requested_address=address, server_id=server)  # type: ignore[arg-type]
            assert wire == expected, (kind, mac)


def test_bad_input_is_a_named_error_not_a_malformed_message() -> None:
    with pytest.raises(MalformedDhcp, match="not a MAC address"):
        build_discover(xid=1, mac="00:04", vendor_class=None, parameter_request_list=[1])
    with pytest.raises(MalformedOption, match="option 60"):
        build_discover(xid=1, mac=MAC, vendor_class="", parameter_request_list=[1])
    with pytest.raises(MalformedOption, match="option 55"):
        build_discover(xid=1, mac=MAC, vendor_class=None, parameter_request_list=[])
    with pytest.raises(MalformedDhcp, match="requested_addr"):
        build_request(
            xid=1,
            mac=MAC,
            requested_address="1.2.3",
            server_id="192.0.2.1",
            vendor_class=None,
            parameter_request_list=[1],
        )
