"""The phone's side of the VLAN query and of a lease, in whole frames (tests, benchmarks).

Messages come from the phone's own builders (`codec/dhcp_lease_messages.py`), frames from
`build_udp_frame`, from the phone's own MAC; a request is sent again every
`every` seconds until its answer arrives or `timeout` passes, as a client
retransmits, which also waits out a server still starting (bounded).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from phonesim.codec.dhcp_lease_messages import build_discover, build_request
from phonesim.codec.dhcp_message import (
    DHCPACK,
    DHCPOFFER,
    DhcpMessage,
    decode_dhcp_message,
)
from phonesim.codec.link_layers import LINKTYPE_ETHERNET, UdpDatagram, find_udp
from phonesim.codec.udp_frame import build_udp_frame
from tests.integration.frame_link import FrameLink

BROADCAST_MAC = "ff:ff:ff:ff:ff:ff"
ASKED = (1, 3, 6, 15, 4, 42, 43, 120)
"""The lease's options and the INFORM's (120 too), so one exchange shows all a server gives."""


def broadcast_frame(mac: str, payload: bytes) -> bytes:
    return build_udp_frame(
        source_mac=mac,
        destination_mac=BROADCAST_MAC,
        source_ip="0.0.0.0",
        destination_ip="255.255.255.255",
        source_port=68,
        destination_port=67,
        payload=payload,
    )


def answer_in(frame: bytes, xid: int, message_type: int) -> DhcpMessage | None:
    found = find_udp(LINKTYPE_ETHERNET, frame)
    if not isinstance(found, UdpDatagram) or found.destination_port != 68:
        return None
    message = decode_dhcp_message(found.payload)
    if message.op != 2 or message.xid != xid or message.message_type != message_type:
        return None
    return message


def ask(
    link: FrameLink,
    frame: bytes,
    xid: int,
    message_type: int,
    *,
    timeout: float,
    every: float = 0.5,
) -> DhcpMessage:
    deadline = time.monotonic() + timeout
    found: list[DhcpMessage] = []

    def wanted(candidate: bytes) -> bool:
        message = answer_in(candidate, xid, message_type)
        if message is not None:
            found.append(message)
        return message is not None

    while time.monotonic() < deadline:
        link.send(frame)
        if link.receive(wanted, timeout=min(every, deadline - time.monotonic())):
            return found[0]
    raise AssertionError(f"no answer of type {message_type} to xid {xid:#x} within {timeout} s")


def vlan_query(
    link: FrameLink, mac: str, xid: int, *, vendor_class: str = "CPE-OCPHONE", timeout: float = 20
) -> DhcpMessage:
    """The phone's VLAN query on the native VLAN: a DISCOVER, answered by an OFFER."""
    discover = build_discover(
        xid=xid, mac=mac, vendor_class=vendor_class, parameter_request_list=ASKED
    )
    return ask(link, broadcast_frame(mac, discover), xid, DHCPOFFER, timeout=timeout)


@dataclass(frozen=True)
class Lease:
    offer: DhcpMessage
    ack: DhcpMessage


def dora(
    link: FrameLink,
    mac: str,
    xid: int,
    *,
    vendor_class: str = "MS-UC-Client",
    timeout: float = 20,
    on_offer: Callable[[DhcpMessage], None] | None = None,
) -> Lease:
    """DISCOVER, OFFER, REQUEST (the offered address, the offering server), ACK."""
    offer = vlan_query(link, mac, xid, vendor_class=vendor_class, timeout=timeout)
    if on_offer is not None:
        on_offer(offer)
    assert offer.server_id is not None, "the OFFER names no server (option 54)"
    request = build_request(
        xid=xid,
        mac=mac,
        vendor_class=vendor_class,
        requested_address=offer.yiaddr,
        server_id=offer.server_id,
        parameter_request_list=ASKED,
    )
    ack = ask(link, broadcast_frame(mac, request), xid, DHCPACK, timeout=timeout)
    return Lease(offer, ack)
