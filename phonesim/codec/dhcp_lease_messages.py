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
from functools import lru_cache
from typing import Any

from phonesim.codec.bootp_header import CHADDR_OFFSET, MAC_LENGTH, XID_OFFSET
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
    OPTION_CLIENT_ID,
    OPTION_MESSAGE_TYPE,
    OPTION_PARAMETER_REQUEST_LIST,
    OPTION_REQUESTED_ADDRESS,
    OPTION_SERVER_ID,
    OPTION_VENDOR_CLASS,
    OPTIONS_OFFSET,
    ZERO_ADDRESS,
    DhcpMessage,
)
from phonesim.codec.dhcp_options import END, PAD, split_option
from phonesim.errors import MalformedOption

MINIMUM_MESSAGE_LENGTH = 300
_PLACEHOLDER_MAC = "00:00:00:00:00:00"


def build_discover(
    *,
    xid: int,
    mac: str,
    vendor_class: str | None,
    parameter_request_list: Sequence[int],
    seconds: int = 0,
) -> bytes:
    """A DHCPDISCOVER (RFC 2131 §4.4.1): no address yet, so the answer is broadcast."""
    template = _lease_request(DHCPDISCOVER, vendor_class, tuple(parameter_request_list))
    return template.stamped(xid, mac, seconds)


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
    template = _lease_request(DHCPREQUEST, vendor_class, tuple(parameter_request_list))
    return template.stamped(
        xid,
        mac,
        seconds,
        ipv4_bytes("requested_addr", requested_address) + ipv4_bytes("server_id", server_id),
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


class _LeaseRequest:
    """One DISCOVER or REQUEST shape (vendor class and parameter list) written once by scapy
    (`_client_message`, the reference) and stamped per phone.

    scapy takes about half a millisecond a message here, the most of a fleet's whole DORA
    storm; a shape fixes every length, so the fields a phone changes (xid, secs, chaddr,
    the MAC in option 61, and options 50 and 54) sit at the same offsets in every copy,
    and the copy is byte for byte what `_client_message` writes (as `inform_template`
    does for the INFORM).
    """

    def __init__(self, message_type: int, vendor_class: str | None, requested: tuple[int, ...]):
        extra = (
            [("requested_addr", ZERO_ADDRESS), ("server_id", ZERO_ADDRESS)]
            if message_type == DHCPREQUEST
            else []
        )
        wire = _client_message(
            message_type,
            xid=0,
            mac=_PLACEHOLDER_MAC,
            vendor_class=vendor_class,
            parameter_request_list=requested,
            seconds=0,
            extra=extra,
        )
        client_id = _option_value(wire, OPTION_CLIENT_ID) + 1  # after the hardware type
        self._head = wire[:XID_OFFSET]
        self._after_secs = wire[XID_OFFSET + 6 : CHADDR_OFFSET]
        self._after_chaddr = wire[CHADDR_OFFSET + MAC_LENGTH : client_id]
        if extra:
            # Options 50 and 54 follow option 61 (see `_client_message`), 4 bytes each.
            requested_at = _option_value(wire, OPTION_REQUESTED_ADDRESS)
            server_at = _option_value(wire, OPTION_SERVER_ID)
            assert server_at == requested_at + 6
            self._after_client_id = wire[client_id + MAC_LENGTH : requested_at]
            self._between = wire[requested_at + 4 : server_at]
            self._rest = wire[server_at + 4 :]
        else:
            self._after_client_id = b""
            self._between = b""
            self._rest = wire[client_id + MAC_LENGTH :]

    def stamped(self, xid: int, mac: str, seconds: int, addresses: bytes = b"") -> bytes:
        hardware = mac_bytes(mac)
        parts = [
            self._head,
            xid_bytes(xid),
            min(max(seconds, 0), 0xFFFF).to_bytes(2, "big"),
            self._after_secs,
            hardware,
            self._after_chaddr,
            hardware,
        ]
        if addresses:
            parts += [self._after_client_id, addresses[:4], self._between, addresses[4:]]
        parts.append(self._rest)
        return b"".join(parts)


@lru_cache(maxsize=64)
def _lease_request(
    message_type: int, vendor_class: str | None, requested: tuple[int, ...]
) -> _LeaseRequest:
    return _LeaseRequest(message_type, vendor_class, requested)


def _option_value(wire: bytes, code: int) -> int:
    """Where the value of option `code` starts in a message `_client_message` wrote."""
    position = OPTIONS_OFFSET
    while position < len(wire) and wire[position] != END:
        if wire[position] == PAD:
            position += 1
            continue
        if wire[position] == code:
            return position + 2
        position += 2 + wire[position + 1]
    raise AssertionError(f"_client_message wrote no option {code}")


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
    if not 1 <= len(parameter_request_list) <= 255:
        raise MalformedOption(OPTION_PARAMETER_REQUEST_LIST, "must ask for 1 to 255 options")
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
            vendor_class_bytes = vendor_class.encode("latin-1")
        except UnicodeEncodeError as error:
            raise MalformedOption(
                OPTION_VENDOR_CLASS, f"{vendor_class!r} is not latin-1"
            ) from error
        if not 1 <= len(vendor_class_bytes) <= 255:
            # RFC 2132 §9.13: option 60 holds at least one byte.
            raise MalformedOption(OPTION_VENDOR_CLASS, "must be 1 to 255 bytes")
        options.append(("vendor_class_id", vendor_class_bytes))
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
