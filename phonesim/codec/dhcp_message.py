"""The DHCPINFORM the phone sends and the DHCPACK it reads back.

scapy writes the messages; the fixed BOOTP header is read back with `struct`
(`bootp_header`), and the options area is taken raw and joined here (RFC 3396,
option 52), because scapy decodes every option instance on its own and cannot
carry values over 255 bytes (protocol.md §10). scapy is imported inside the
functions that use it so that importing this module, and so `phonesim --help`,
stays fast. Building a message per packet with scapy is too slow for a fleet:
`InformTemplate` and `AckTemplate` build once and patch the per-phone fields.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from socket import inet_ntoa
from typing import Any, Literal

from phonesim.codec.bootp_header import (
    BOOTP_HEADER_LENGTH,
    FILE_LENGTH,
    FILE_OFFSET,
    SNAME_LENGTH,
    SNAME_OFFSET,
    BootpHeader,
    read_bootp_header,
    read_bootp_header_with_scapy,
)
from phonesim.codec.dhcp_fields import ipv4_bytes, mac_bytes, xid_bytes
from phonesim.codec.dhcp_options import (
    END,
    OPTION_OVERLOAD,
    OVERLOAD_BOTH,
    OVERLOAD_FILE,
    OVERLOAD_SNAME,
    JoinedOptions,
    join_options,
    split_option,
)
from phonesim.codec.ms_uc_client_option import UcClientVendorOption, decode_ms_uc_client_option
from phonesim.codec.option_reader import read_message_options
from phonesim.codec.sip_server_option import SipServerOption, decode_sip_server_option
from phonesim.errors import MalformedDhcp, MalformedOption

BOOTREQUEST = 1
BOOTREPLY = 2

DHCPDISCOVER = 1
DHCPOFFER = 2
DHCPREQUEST = 3
DHCPDECLINE = 4
DHCPACK = 5
DHCPNAK = 6
DHCPRELEASE = 7
DHCPINFORM = 8

OPTION_HOSTNAME = 12
OPTION_DOMAIN_NAME = 15
OPTION_NTP_SERVERS = 42
OPTION_VENDOR_SPECIFIC = 43
OPTION_REQUESTED_ADDRESS = 50
OPTION_LEASE_TIME = 51
OPTION_MESSAGE_TYPE = 53
OPTION_SERVER_ID = 54
OPTION_PARAMETER_REQUEST_LIST = 55
OPTION_MAX_MESSAGE_SIZE = 57
OPTION_VENDOR_CLASS = 60
OPTION_CLIENT_ID = 61
OPTION_SIP_SERVERS = 120

MAGIC_COOKIE = bytes((99, 130, 83, 99))
OPTIONS_OFFSET = BOOTP_HEADER_LENGTH + len(MAGIC_COOKIE)
# RFC 1542 §2.1: relay agents may drop BOOTP messages shorter than 300 bytes,
# so clients and servers pad up to it after the end option.
MINIMUM_MESSAGE_LENGTH = 300
BROADCAST_FLAG = 0x8000
HTYPE_ETHERNET = 1
ZERO_ADDRESS = "0.0.0.0"


@dataclass(frozen=True)
class DhcpMessage:
    op: int
    xid: int
    flags: int
    ciaddr: str
    yiaddr: str
    siaddr: str
    giaddr: str
    chaddr: str
    """The client MAC, lower-case colon form, from the first 6 bytes of chaddr."""
    options: JoinedOptions

    @property
    def message_type(self) -> int | None:
        return _message_type(self.options)

    @cached_property
    def server_id(self) -> str | None:
        # Read once: a DORA client asks a message for it several times (matching the
        # OFFER, the REQUEST, the lease, the traces).
        return _server_id(self.options)

    @property
    def vendor_class(self) -> str | None:
        value = self.options.get(OPTION_VENDOR_CLASS)
        return None if value is None else value.decode("latin-1")

    @property
    def parameter_request_list(self) -> tuple[int, ...]:
        return tuple(self.options.get(OPTION_PARAMETER_REQUEST_LIST) or b"")

    @property
    def domain_name(self) -> str | None:
        value = self.options.get(OPTION_DOMAIN_NAME)
        if value is None:
            return None
        # RFC 2132 §2: a receiver MUST be prepared to delete trailing NULs.
        value = value.rstrip(b"\x00")
        if not value.isascii():
            raise MalformedOption(OPTION_DOMAIN_NAME, "domain name is not ASCII")
        return value.decode("ascii")

    @property
    def ntp_servers(self) -> tuple[str, ...]:
        value = self.options.get(OPTION_NTP_SERVERS)
        if value is None:
            return ()
        if not value or len(value) % 4:
            raise MalformedOption(
                OPTION_NTP_SERVERS, f"length {len(value)}, must be a non-zero multiple of 4"
            )
        return tuple(
            str(ipaddress.IPv4Address(value[at : at + 4])) for at in range(0, len(value), 4)
        )

    @property
    def lease_time(self) -> int | None:
        value = self.options.get(OPTION_LEASE_TIME)
        if value is None:
            return None
        if len(value) != 4:
            raise MalformedOption(OPTION_LEASE_TIME, f"length {len(value)}, must be 4")
        return int.from_bytes(value, "big")

    def sip_server(self) -> SipServerOption | None:
        value = self.options.get(OPTION_SIP_SERVERS)
        return None if value is None else decode_sip_server_option(value)

    def uc_client_vendor(self) -> UcClientVendorOption | None:
        """Option 43 read as MS-UC-Client sub-options, whatever option 60 says.

        A server answers the vendor class the client sent, so the caller knows
        which layout it asked for; checking option 60 of the reply here would
        reject servers that do not echo it.
        """
        value = self.options.get(OPTION_VENDOR_SPECIFIC)
        return None if value is None else decode_ms_uc_client_option(value)


def load_packet_library() -> None:
    """Import scapy now rather than with the first packet.

    Its import takes a few hundred milliseconds: done inside a boot, it would
    show in the timeline as a slow DHCP server.
    """
    from phonesim.codec.scapy_cache import avoid_unusable_scapy_cache

    avoid_unusable_scapy_cache()
    import scapy.layers.dhcp  # noqa: F401


def _message_type(options: JoinedOptions) -> int | None:
    value = options.get(OPTION_MESSAGE_TYPE)
    if value is None:
        return None
    if len(value) != 1:
        raise MalformedOption(OPTION_MESSAGE_TYPE, f"length {len(value)}, must be 1")
    return value[0]


def _server_id(options: JoinedOptions) -> str | None:
    value = options.get(OPTION_SERVER_ID)
    if value is None:
        return None
    if len(value) != 4:
        raise MalformedOption(OPTION_SERVER_ID, f"length {len(value)}, must be 4")
    return inet_ntoa(value)


def decode_dhcp_message(data: bytes) -> DhcpMessage:
    """Read a DHCP message: the header by `struct`, the options joined (RFC 3396, option 52).

    Raises MalformedDhcp (with the byte offset) for a message that cannot be read.
    """
    data = _checked(data)
    header = read_bootp_header(data)
    return _message(header, read_message_options(data))


def decode_dhcp_message_with_scapy(data: bytes) -> DhcpMessage:
    """`decode_dhcp_message` with the header dissected by scapy and the areas joined apart.

    The slow reference: same result and same errors as `decode_dhcp_message`,
    kept so that tests and benchmarks can hold the per-packet path against it.
    """
    data = _checked(data)
    header = read_bootp_header_with_scapy(data)
    options = join_options(
        data[OPTIONS_OFFSET:],
        file=header.file,
        sname=header.sname,
        offsets=(OPTIONS_OFFSET, FILE_OFFSET, SNAME_OFFSET),
    )
    return _message(header, options)


def _checked(data: bytes) -> bytes:
    data = bytes(data)
    if len(data) < OPTIONS_OFFSET:
        raise MalformedDhcp(
            f"{len(data)} bytes; a DHCP message needs at least {OPTIONS_OFFSET} "
            "(the BOOTP header and the magic cookie)",
            offset=len(data),
        )
    cookie = data[BOOTP_HEADER_LENGTH:OPTIONS_OFFSET]
    if cookie != MAGIC_COOKIE:
        raise MalformedDhcp(
            f"magic cookie is {'.'.join(str(byte) for byte in cookie)}, not 99.130.83.99",
            offset=BOOTP_HEADER_LENGTH,
        )
    return data


def _message(header: BootpHeader, options: JoinedOptions) -> DhcpMessage:
    # Message type and server id say what the message is and who sent it; a
    # message whose identity cannot be read is malformed as a whole, and
    # callers can then read both properties without guarding them.
    try:
        _message_type(options)
        _server_id(options)
    except MalformedOption as error:
        raise MalformedDhcp(str(error)) from error
    return DhcpMessage(
        op=header.op,
        xid=header.xid,
        flags=header.flags,
        ciaddr=header.ciaddr,
        yiaddr=header.yiaddr,
        siaddr=header.siaddr,
        giaddr=header.giaddr,
        chaddr=header.chaddr,
        options=options,
    )


def build_inform(
    *,
    xid: int,
    mac: str,
    ciaddr: str,
    vendor_class: str,
    parameter_request_list: Sequence[int],
    max_message_size: int | None = None,
    hostname: str | None = None,
    broadcast: bool = False,
) -> bytes:
    """The phone's DHCPINFORM (RFC 2131 §4.4.3): it has an address and asks only for options.

    It carries no requested address, lease time or server id, which a client
    MUST NOT send in an INFORM.
    """
    from scapy.layers.dhcp import BOOTP, DHCP

    hardware = mac_bytes(mac)
    xid_bytes(xid)
    ipv4_bytes("ciaddr", ciaddr)
    try:
        vendor_class_bytes = vendor_class.encode("latin-1")
    except UnicodeEncodeError as error:
        raise MalformedOption(OPTION_VENDOR_CLASS, f"{vendor_class!r} is not latin-1") from error
    _check_length(OPTION_VENDOR_CLASS, vendor_class_bytes)
    requested = list(parameter_request_list)
    for code in requested:
        if not 1 <= code <= 254:
            raise MalformedOption(
                OPTION_PARAMETER_REQUEST_LIST, f"{code} is not an option code that can be asked for"
            )
    _check_length(OPTION_PARAMETER_REQUEST_LIST, bytes(requested))

    options: list[Any] = [
        ("message-type", DHCPINFORM),
        ("client_id", bytes((HTYPE_ETHERNET,)) + hardware),
        ("vendor_class_id", vendor_class_bytes),
        ("param_req_list", requested),
    ]
    if max_message_size is not None:
        # RFC 2132 §9.10: the smallest legal value is 576.
        if not 576 <= max_message_size <= 0xFFFF:
            raise MalformedOption(
                OPTION_MAX_MESSAGE_SIZE, f"{max_message_size} is outside 576..65535"
            )
        options.append(("max_dhcp_size", max_message_size))
    if hostname is not None:
        if not hostname or not hostname.isascii():
            raise MalformedOption(OPTION_HOSTNAME, f"{hostname!r} must be non-empty ASCII")
        _check_length(OPTION_HOSTNAME, hostname.encode("ascii"))
        options.append(("hostname", hostname.encode("ascii")))
    options.append("end")

    packet = BOOTP(
        op=BOOTREQUEST,
        htype=HTYPE_ETHERNET,
        hlen=len(hardware),
        xid=xid,
        flags=BROADCAST_FLAG if broadcast else 0,
        ciaddr=ciaddr,
        yiaddr=ZERO_ADDRESS,
        siaddr=ZERO_ADDRESS,
        giaddr=ZERO_ADDRESS,
        chaddr=hardware,
    ) / DHCP(options=options)
    return _padded(bytes(packet))


def build_ack(
    *,
    request: DhcpMessage,
    server_id: str,
    options: Sequence[tuple[int, bytes]],
    overload_into: Literal[None, "file", "sname", "both"] = None,
) -> bytes:
    """A server's DHCPACK to an INFORM: no address, no lease time, just the options.

    `options` go out in the given order, long ones split (RFC 3396). With
    `overload_into`, they go into the file and/or sname fields behind option
    52, as some servers do; they must fit there, since spilling the rest back
    into the options field would change the order a receiver joins them in.
    Values are raw bytes: encode 43 and 120 with their codecs first.
    """
    from scapy.layers.dhcp import BOOTP, DHCP

    ipv4_bytes("server_id", server_id)
    for code, _value in options:
        if code in (OPTION_MESSAGE_TYPE, OPTION_SERVER_ID, OPTION_OVERLOAD):
            raise MalformedOption(code, "build_ack writes this option itself")

    head: list[Any] = [("message-type", DHCPACK), ("server_id", server_id)]
    body: list[Any] = []
    file_area = b""
    sname_area = b""
    if overload_into is None:
        body = [instance for code, value in options for instance in split_option(code, value)]
    else:
        overload, areas = _OVERLOAD_LAYOUTS[overload_into]
        packed = _pack_areas(options, areas)
        file_area = packed.get("file", b"")
        sname_area = packed.get("sname", b"")
        head.append(("dhcp-option-overload", overload))

    packet = BOOTP(
        op=BOOTREPLY,
        htype=HTYPE_ETHERNET,
        hlen=6,
        xid=request.xid,
        flags=request.flags,
        ciaddr=request.ciaddr,
        yiaddr=ZERO_ADDRESS,
        siaddr=ZERO_ADDRESS,
        giaddr=request.giaddr,
        chaddr=mac_bytes(request.chaddr),
        sname=sname_area,
        file=file_area,
    ) / DHCP(options=[*head, *body, "end"])
    return _padded(bytes(packet))


_AREA_SIZES = {"file": FILE_LENGTH, "sname": SNAME_LENGTH}
# RFC 3396 joins options field, then file, then sname: fill them in that order.
_OVERLOAD_LAYOUTS: dict[str, tuple[int, tuple[str, ...]]] = {
    "file": (OVERLOAD_FILE, ("file",)),
    "sname": (OVERLOAD_SNAME, ("sname",)),
    "both": (OVERLOAD_BOTH, ("file", "sname")),
}


def _pack_areas(options: Sequence[tuple[int, bytes]], areas: tuple[str, ...]) -> dict[str, bytes]:
    """Lay options into overloaded fields, each ending in an end option (RFC 2131 §4.1).

    The fields are filled one after the other like one stream, an instance
    cut where a field is full (RFC 3396 allows any cut), so whatever fits in
    the fields' total room is placed.
    """
    filled = [bytearray() for _ in areas]
    index = 0
    for code, value in options:
        for _code, part in split_option(code, value):
            while True:
                if index >= len(areas):
                    raise MalformedDhcp(
                        f"options do not fit in the overloaded {' and '.join(areas)} field(s)"
                    )
                free = _AREA_SIZES[areas[index]] - 1 - len(filled[index])
                if 2 + len(part) <= free:
                    filled[index] += bytes((code, len(part))) + part
                    break
                if free >= 3:
                    chunk = part[: free - 2]
                    filled[index] += bytes((code, len(chunk))) + chunk
                    part = part[len(chunk) :]
                index += 1
    for area in filled:
        area.append(END)
    return {name: bytes(area) for name, area in zip(areas, filled, strict=True)}


def _padded(message: bytes) -> bytes:
    return message.ljust(MINIMUM_MESSAGE_LENGTH, b"\x00")


def _check_length(code: int, value: bytes) -> None:
    if len(value) > 255:
        raise MalformedOption(code, f"{len(value)} bytes; this option is sent in one instance")
