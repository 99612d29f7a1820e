"""A frame from the packet socket carries the client's own address as its message gives it:
0.0.0.0 before a lease (RFC 2131 §4.1), the leased address once the phone holds one."""

from __future__ import annotations

import socket

from phonesim.codec.dhcp_lease_messages import build_discover, build_release
from phonesim.codec.dhcp_message import build_inform
from phonesim.drivers.dhcp_packet_socket import PacketSocketDhcpEndpoint

MAC = "00:04:f2:00:00:09"


def source_ip(frame: bytes) -> str:
    return socket.inet_ntoa(frame[14 + 12 : 14 + 16])


def endpoint() -> PacketSocketDhcpEndpoint:
    return PacketSocketDhcpEndpoint(
        ("255.255.255.255", 67),
        interface="eth-test",
        interface_address="192.0.2.7",
        interface_mac="02:00:00:00:00:07",
        phone_mac=MAC,
    )


def test_a_discover_leaves_from_0_0_0_0_whatever_the_interfaces_address() -> None:
    frame = endpoint()._broadcast_frame(
        build_discover(xid=1, mac=MAC, vendor_class=None, parameter_request_list=[1])
    )
    assert source_ip(frame) == "0.0.0.0"


def test_an_inform_and_a_release_leave_from_the_phones_own_address() -> None:
    sender = endpoint()
    inform = build_inform(
        xid=2,
        mac=MAC,
        ciaddr="198.51.100.10",
        vendor_class="MS-UC-Client",
        parameter_request_list=[43],
    )
    release = build_release(xid=3, mac=MAC, address="198.51.100.10", server_id="198.51.100.1")
    assert source_ip(sender._broadcast_frame(inform)) == "198.51.100.10"
    assert source_ip(sender._broadcast_frame(release)) == "198.51.100.10"
