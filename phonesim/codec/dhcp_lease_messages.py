"""The messages of an ordinary lease (RFC 2131 §3.1): DISCOVER, OFFER, REQUEST, ACK, NAK
and RELEASE, both the phone's and the lab server's.

Apart from `dhcp_message` (the INFORM and its ACK) because a lease is a conversation of
its own: the client has no address yet (ciaddr 0, broadcast flag set, §4.1), names the
address it wants in option 50 and the server it chose in option 54 (§4.3.2), and the
server's answers carry the address in yiaddr and a lease time (table 3). scapy writes
them, as it writes the INFORM; they are read back with `decode_dhcp_message`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from phonesim.codec.dhcp_fields import ipv4_bytes, mac_bytes, xid_bytes
from phonesim.codec.dhcp_message import (
    BOOTREPLY,
    BOOTREQUEST,
    BROADCAST_FLAG,
    DHCPACK,
    DHCPDISCOVER,
    DHCPNAK,
    DHCPOFFER,
    DHCPRELEASE,
    DHCPREQUEST,
    HTYPE_ETHERNET,
    OPTION_MESSAGE_TYPE,
    OPTION_PARAMETER_REQUEST_LIST,
    OPTION_SERVER_ID,
    OPTION_VENDOR_CLASS,
    ZERO_ADDRESS,
    DhcpMessage,
)
from phonesim.codec.dhcp_options import split_option
from phonesim.errors import MalformedOption

MINIMUM_MESSAGE_LENGTH = 300


def build_discover(
    *,
    xid: int,
    mac: str,
    vendor_class: str | None,
    parameter_request_list: Sequence[int],
    seconds: int = 0,
) -> bytes:
    """A DHCPDISCOVER (RFC 2131 §4.4.1): no address yet, so the answer is broadcast."""
    return _client_message(
        DHCPDISCOVER,
        xid=xid,
        mac=mac,
        vendor_class=vendor_class,
        parameter_request_list=parameter_request_list,
        seconds=seconds,
    )


def build_request(
    *,
    xid: int,
    mac: str,
    requested_address: str,
    server_id: str,
    vendor_class: str | None,
    parameter_request_list: Sequence[int],
    seconds: int = 0,
) -> bytes:
    """The DHCPREQUEST in the SELECTING state (§4.3.2): ciaddr 0, options 50 and 54 set."""
    return _client_message(
        DHCPREQUEST,
        xid=xid,
        mac=mac,
        vendor_class=vendor_class,
        parameter_request_list=parameter_request_list,
        seconds=seconds,
        extra=[("requested_addr", requested_address), ("server_id", server_id)],
    )


def build_release(*, xid: int, mac: str, address: str, server_id: str) -> bytes:
    """A DHCPRELEASE (§4.4.6): ciaddr is the address given back, option 54 the server; no
    option 50, no parameter list (table 5)."""
    from scapy.layers.dhcp import BOOTP, DHCP

    hardware = mac_bytes(mac)
    xid_bytes(xid)
    ipv4_bytes("ciaddr", address)
    ipv4_bytes("server_id", server_id)
    packet = BOOTP(
        op=BOOTREQUEST,
        htype=HTYPE_ETHERNET,
        hlen=len(hardware),
        xid=xid,
        flags=0,
        ciaddr=address,
        chaddr=hardware,
    ) / DHCP(
        options=[
            ("message-type", DHCPRELEASE),
            ("server_id", server_id),
            ("client_id", bytes((HTYPE_ETHERNET,)) + hardware),
            "end",
        ]
    )
    return bytes(packet).ljust(MINIMUM_MESSAGE_LENGTH, b"\x00")


def build_lease_answer(
    *,
    request: DhcpMessage,
    message_type: int,
    server_id: str,
    address: str,
    options: Sequence[tuple[int, bytes]],
) -> bytes:
    """A server's DHCPOFFER, DHCPACK (with `address` in yiaddr) or DHCPNAK (none) to a
    DISCOVER or REQUEST; `options` raw, in order, long ones split (RFC 3396)."""
    from scapy.layers.dhcp import BOOTP, DHCP

    if message_type not in (DHCPOFFER, DHCPACK, DHCPNAK):
        raise MalformedOption(OPTION_MESSAGE_TYPE, f"{message_type} is not OFFER, ACK or NAK")
    ipv4_bytes("server_id", server_id)
    for code, _value in options:
        if code in (OPTION_MESSAGE_TYPE, OPTION_SERVER_ID):
            raise MalformedOption(code, "build_lease_answer writes this option itself")
    body = [instance for code, value in options for instance in split_option(code, value)]
    packet = BOOTP(
        op=BOOTREPLY,
        htype=HTYPE_ETHERNET,
        hlen=6,
        xid=request.xid,
        flags=request.flags,
        ciaddr=ZERO_ADDRESS,
        yiaddr=ZERO_ADDRESS if message_type == DHCPNAK else address,
        giaddr=request.giaddr,
        chaddr=mac_bytes(request.chaddr),
    ) / DHCP(options=[("message-type", message_type), ("server_id", server_id), *body, "end"])
    return bytes(packet).ljust(MINIMUM_MESSAGE_LENGTH, b"\x00")


def _client_message(
    message_type: int,
    *,
    xid: int,
    mac: str,
    vendor_class: str | None,
    parameter_request_list: Sequence[int],
    seconds: int,
    extra: Sequence[tuple[str, Any]] = (),
) -> bytes:
    from scapy.layers.dhcp import BOOTP, DHCP

    hardware = mac_bytes(mac)
    xid_bytes(xid)
    for code in parameter_request_list:
        if not 1 <= code <= 254:
            raise MalformedOption(
                OPTION_PARAMETER_REQUEST_LIST, f"{code} is not an option code that can be asked for"
            )
    options: list[Any] = [
        ("message-type", message_type),
        ("client_id", bytes((HTYPE_ETHERNET,)) + hardware),
        *extra,
    ]
    if vendor_class is not None:
        try:
            options.append(("vendor_class_id", vendor_class.encode("latin-1")))
        except UnicodeEncodeError as error:
            raise MalformedOption(
                OPTION_VENDOR_CLASS, f"{vendor_class!r} is not latin-1"
            ) from error
    options += [("param_req_list", list(parameter_request_list)), "end"]
    packet = BOOTP(
        op=BOOTREQUEST,
        htype=HTYPE_ETHERNET,
        hlen=len(hardware),
        xid=xid,
        secs=min(seconds, 0xFFFF),
        # §4.1: a client that cannot receive unicast before it has an address sets it.
        flags=BROADCAST_FLAG,
        ciaddr=ZERO_ADDRESS,
        chaddr=hardware,
    ) / DHCP(options=options)
    return bytes(packet).ljust(MINIMUM_MESSAGE_LENGTH, b"\x00")


__all__ = ["build_discover", "build_lease_answer", "build_release", "build_request"]
