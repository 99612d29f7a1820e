"""The messages of an ordinary lease (DORA, RFC 2131 §3.1) and the values a lease gives.

Before its INFORM the phone takes an address of its own on the voice VLAN:
DISCOVER, OFFER, REQUEST, ACK, and a RELEASE when it stops. The same
DISCOVER with vendor class `CPE-OCPHONE` is its VLAN query on the native
VLAN. scapy writes the messages, as it does the INFORM (`dhcp_message`);
replies are read with `decode_dhcp_message`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from phonesim.codec.dhcp_fields import ipv4_bytes, mac_bytes, xid_bytes
from phonesim.codec.dhcp_message import (
    BOOTREQUEST,
    BROADCAST_FLAG,
    DHCPDISCOVER,
    DHCPRELEASE,
    DHCPREQUEST,
    HTYPE_ETHERNET,
    OPTION_NTP_SERVERS,
    OPTION_PARAMETER_REQUEST_LIST,
    OPTION_VENDOR_CLASS,
    ZERO_ADDRESS,
    DhcpMessage,
)
from phonesim.errors import MalformedOption

OPTION_SUBNET_MASK = 1
OPTION_ROUTERS = 3
OPTION_TIME_SERVERS = 4
OPTION_DNS_SERVERS = 6
LEASE_REQUEST_LIST = (1, 3, 6, 15, 4, 42, 43, 120)
"""What the phone asks for in its lease: the INFORM's options and the network's."""
_MINIMUM_LENGTH = 300


def build_discover(
    *,
    xid: int,
    mac: str,
    vendor_class: str,
    parameter_request_list: Sequence[int] = LEASE_REQUEST_LIST,
    broadcast: bool = True,
) -> bytes:
    """A DHCPDISCOVER from a client with no address; the broadcast flag asks for a
    broadcast OFFER, since the client cannot take unicast to an address it lacks."""
    return _request_message(
        DHCPDISCOVER, xid, mac, vendor_class, parameter_request_list, broadcast, []
    )


def build_request(
    *,
    xid: int,
    mac: str,
    vendor_class: str,
    requested_address: str,
    server_id: str,
    parameter_request_list: Sequence[int] = LEASE_REQUEST_LIST,
    broadcast: bool = True,
) -> bytes:
    """A DHCPREQUEST in SELECTING state (RFC 2131 §4.3.2): the offer's address and
    the chosen server's identifier, ciaddr zero, the same xid as the DISCOVER."""
    extra: list[Any] = [
        ("requested_addr", _address("requested_addr", requested_address)),
        ("server_id", _address("server_id", server_id)),
    ]
    return _request_message(
        DHCPREQUEST, xid, mac, vendor_class, parameter_request_list, broadcast, extra
    )


def build_release(*, xid: int, mac: str, ciaddr: str, server_id: str) -> bytes:
    """A DHCPRELEASE (RFC 2131 §4.4.6): unicast to the server, the address in ciaddr."""
    from scapy.layers.dhcp import BOOTP, DHCP

    hardware = mac_bytes(mac)
    xid_bytes(xid)
    packet = BOOTP(
        op=BOOTREQUEST,
        htype=HTYPE_ETHERNET,
        hlen=len(hardware),
        xid=xid,
        ciaddr=_address("ciaddr", ciaddr),
        chaddr=hardware,
    ) / DHCP(
        options=[
            ("message-type", DHCPRELEASE),
            ("server_id", _address("server_id", server_id)),
            ("client_id", bytes((HTYPE_ETHERNET,)) + hardware),
            "end",
        ]
    )
    return bytes(packet).ljust(_MINIMUM_LENGTH, b"\x00")


def _request_message(
    message_type: int,
    xid: int,
    mac: str,
    vendor_class: str,
    parameter_request_list: Sequence[int],
    broadcast: bool,
    extra: list[Any],
) -> bytes:
    from scapy.layers.dhcp import BOOTP, DHCP

    hardware = mac_bytes(mac)
    xid_bytes(xid)
    try:
        vendor_class_bytes = vendor_class.encode("latin-1")
    except UnicodeEncodeError as error:
        raise MalformedOption(OPTION_VENDOR_CLASS, f"{vendor_class!r} is not latin-1") from error
    if not 1 <= len(vendor_class_bytes) <= 255:
        raise MalformedOption(OPTION_VENDOR_CLASS, "must be 1 to 255 bytes")
    requested = list(parameter_request_list)
    if not 1 <= len(requested) <= 255 or not all(1 <= code <= 254 for code in requested):
        raise MalformedOption(OPTION_PARAMETER_REQUEST_LIST, f"{requested} cannot be asked for")
    packet = BOOTP(
        op=BOOTREQUEST,
        htype=HTYPE_ETHERNET,
        hlen=len(hardware),
        xid=xid,
        flags=BROADCAST_FLAG if broadcast else 0,
        ciaddr=ZERO_ADDRESS,
        chaddr=hardware,
    ) / DHCP(
        options=[
            ("message-type", message_type),
            ("client_id", bytes((HTYPE_ETHERNET,)) + hardware),
            *extra,
            ("vendor_class_id", vendor_class_bytes),
            ("param_req_list", requested),
            "end",
        ]
    )
    return bytes(packet).ljust(_MINIMUM_LENGTH, b"\x00")


def _address(field: str, address: str) -> str:
    ipv4_bytes(field, address)
    return address


@dataclass(frozen=True)
class LeaseValues:
    """What a lease (or an INFORM's ACK) gives the phone for its network."""

    address: str
    subnet_mask: str | None
    routers: tuple[str, ...]
    dns_servers: tuple[str, ...]
    domain: str | None
    time_servers: tuple[str, ...]
    ntp_servers: tuple[str, ...]
    lease_time: int | None


def lease_values(message: DhcpMessage) -> LeaseValues:
    """The address (yiaddr) and options 1, 3, 6, 15, 4, 42 and 51 of an OFFER or ACK."""
    mask = ipv4_list(message, OPTION_SUBNET_MASK)
    if len(mask) > 1:
        raise MalformedOption(OPTION_SUBNET_MASK, "holds more than one address")
    return LeaseValues(
        address=message.yiaddr,
        subnet_mask=mask[0] if mask else None,
        routers=ipv4_list(message, OPTION_ROUTERS),
        dns_servers=ipv4_list(message, OPTION_DNS_SERVERS),
        domain=message.domain_name,
        time_servers=ipv4_list(message, OPTION_TIME_SERVERS),
        ntp_servers=ipv4_list(message, OPTION_NTP_SERVERS),
        lease_time=message.lease_time,
    )


def ipv4_list(message: DhcpMessage, code: int) -> tuple[str, ...]:
    """An option holding IPv4 addresses (1, 3, 4, 6, 42...), empty when absent."""
    value = message.options.get(code)
    if value is None:
        return ()
    if not value or len(value) % 4:
        raise MalformedOption(code, f"length {len(value)}, must be a non-zero multiple of 4")
    return tuple(str(ipaddress.IPv4Address(value[at : at + 4])) for at in range(0, len(value), 4))
