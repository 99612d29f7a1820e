"""DORA messages as the phone sends them, and the values read from a lease."""

from __future__ import annotations

import pytest
from scapy.layers.dhcp import BOOTP, DHCP

from phonesim.codec.dhcp_lease import (
    build_discover,
    build_release,
    build_request,
    ipv4_list,
    lease_values,
)
from phonesim.codec.dhcp_message import (
    DHCPDISCOVER,
    DHCPRELEASE,
    DHCPREQUEST,
    decode_dhcp_message,
)
from phonesim.errors import MalformedDhcp, MalformedOption

MAC = "00:04:f2:12:34:56"


def _scapy_options(data: bytes) -> dict[str, object]:
    return {o[0]: o[1] for o in BOOTP(data)[DHCP].options if isinstance(o, tuple)}


def test_the_vlan_query_is_a_broadcast_discover_of_vendor_class_cpe_ocphone() -> None:
    data = build_discover(xid=7, mac=MAC, vendor_class="CPE-OCPHONE")
    message = decode_dhcp_message(data)
    assert message.message_type == DHCPDISCOVER
    assert message.vendor_class == "CPE-OCPHONE"
    assert message.flags & 0x8000 and message.ciaddr == "0.0.0.0" and message.chaddr == MAC
    assert 43 in message.parameter_request_list
    assert len(data) >= 300


def test_a_request_names_the_offered_address_and_the_chosen_server() -> None:
    data = build_request(
        xid=7,
        mac=MAC,
        vendor_class="MS-UC-Client",
        requested_address="192.0.2.100",
        server_id="192.0.2.53",
    )
    message = decode_dhcp_message(data)
    assert message.message_type == DHCPREQUEST and message.ciaddr == "0.0.0.0"
    assert message.server_id == "192.0.2.53"
    assert _scapy_options(data)["requested_addr"] == "192.0.2.100"


def test_a_release_gives_back_the_address_in_ciaddr() -> None:
    message = decode_dhcp_message(
        build_release(xid=9, mac=MAC, ciaddr="192.0.2.100", server_id="192.0.2.53")
    )
    assert message.message_type == DHCPRELEASE and message.ciaddr == "192.0.2.100"
    assert message.server_id == "192.0.2.53"


def test_bad_input_is_our_error() -> None:
    with pytest.raises(MalformedDhcp):
        build_discover(xid=1, mac="00:04", vendor_class="CPE-OCPHONE")
    with pytest.raises(MalformedOption):
        build_discover(xid=1, mac=MAC, vendor_class="")
    with pytest.raises(MalformedDhcp):
        build_request(
            xid=1, mac=MAC, vendor_class="x", requested_address="1.2.3", server_id="1.2.3.4"
        )


def test_a_lease_gives_address_routers_dns_domain_and_time_servers() -> None:
    ack = BOOTP(op=2, xid=7, yiaddr="192.0.2.100", chaddr=bytes.fromhex("0004f2123456")) / DHCP(
        options=[
            ("message-type", 5),
            ("server_id", "192.0.2.53"),
            ("subnet_mask", "255.255.255.0"),
            ("router", "192.0.2.1"),
            ("name_server", "192.0.2.53", "192.0.2.54"),
            ("domain", b"phonesim.test"),
            (4, b"\xc0\x00\x02\x7b"),
            ("NTP_server", "192.0.2.123"),
            ("lease_time", 3600),
            "end",
        ]
    )
    values = lease_values(decode_dhcp_message(bytes(ack)))
    assert values.address == "192.0.2.100" and values.subnet_mask == "255.255.255.0"
    assert values.routers == ("192.0.2.1",)
    assert values.dns_servers == ("192.0.2.53", "192.0.2.54")
    assert values.domain == "phonesim.test"
    assert values.time_servers == ("192.0.2.123",) and values.ntp_servers == ("192.0.2.123",)
    assert values.lease_time == 3600


def test_an_address_list_of_a_wrong_length_is_our_error() -> None:
    ack = BOOTP(op=2, xid=7) / DHCP(options=[("message-type", 5), (6, b"\x01\x02\x03"), "end"])
    with pytest.raises(MalformedOption, match="option 6"):
        ipv4_list(decode_dhcp_message(bytes(ack)), 6)
