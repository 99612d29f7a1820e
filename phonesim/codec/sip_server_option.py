"""Option 120, the SIP (registrar) servers of RFC 3361.

Byte 0 says how the rest is written: 0 for RFC 1035 domain names, 1 for IPv4
addresses. The value given here is the whole option after RFC 3396 joining, so
a name list split over several instances decodes as one.

Compression pointers in the name list count from the first byte AFTER the
encoding byte: pointer offset 0 is the first length byte of the first name.
That is what Wireshark reads (packet-dhcp.c `dissect_dhcpopt_sip_servers`
passes `dns_data_offset = 1 /* ignore enc */` to `get_dns_name`, which adds it
to every pointer) and what dnsmasq writes (option.c builds the names after a
one-byte header and stores pointers as `r - p`, relative to the first name).
Decoding the name list as its own buffer gives exactly that convention.

Decoding names through dnspython costs tens of microseconds, and a fleet sees
the same option value in thousands of answers, so `decode_sip_server_option`
keeps the last few hundred results by their bytes. The result is immutable,
so sharing it is safe; errors are not kept and are raised afresh each time.
"""

from __future__ import annotations

import io
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import dns.exception
import dns.name

from phonesim.errors import MalformedOption, UnsupportedEncoding

OPTION_CODE = 120
CONFIG_NAME = "ms-uc-sip-server"
"""The name `phonesim dhcp-config` gives option 120 in servers that have none for it (ISC
dhcpd, Kea), so that `phonesim decode` knows it in a pasted line."""
ENCODING_NAMES = 0
ENCODING_ADDRESSES = 1


@dataclass(frozen=True)
class SipServerOption:
    encoding: int
    servers: tuple[str, ...]
    missing_terminator: bool = False
    """The last name lacked its final zero byte (Microsoft's own example omits it)."""
    compressed: bool = False
    """A DNS compression pointer was followed (dnsmasq writes them, DHCPUtil never)."""


def decode_sip_server_option(value: bytes) -> SipServerOption:
    """The servers in an option 120 value (joined, RFC 3396); MalformedOption when unreadable."""
    if type(value) is bytes:
        return _remembered(value)
    return decode_sip_server_option_uncached(value)


def decode_sip_server_option_uncached(value: bytes) -> SipServerOption:
    """`decode_sip_server_option` without the memo: every call decodes."""
    if not value:
        raise MalformedOption(OPTION_CODE, "empty value; the encoding byte is missing", offset=0)
    encoding = value[0]
    if encoding == ENCODING_NAMES:
        return _decode_names(value[1:])
    if encoding == ENCODING_ADDRESSES:
        return _decode_addresses(value[1:])
    raise UnsupportedEncoding(encoding)


_remembered = lru_cache(maxsize=256)(decode_sip_server_option_uncached)


def _decode_names(names: bytes) -> SipServerOption:
    if not names:
        raise MalformedOption(OPTION_CODE, "encoding 0 with no domain name after it", offset=1)
    servers: list[str] = []
    compressed = False
    missing_terminator = False
    position = 0
    while position < len(names):
        try:
            name, used = dns.name.from_wire(names, position)
        except dns.exception.DNSException as error:
            name, used = _name_without_terminator(names, position, error)
            missing_terminator = True
        else:
            # A name read straight through is as long on the wire as its labels;
            # a followed pointer makes the bytes consumed differ from that.
            compressed = compressed or len(_uncompressed(name)) != used
        if name == dns.name.root:
            raise MalformedOption(
                OPTION_CODE, "empty domain name (a lone zero byte)", offset=1 + position
            )
        servers.append(name.to_text(omit_final_dot=True))
        position += used
    return SipServerOption(
        encoding=ENCODING_NAMES,
        servers=tuple(servers),
        missing_terminator=missing_terminator,
        compressed=compressed,
    )


def _name_without_terminator(
    names: bytes, position: int, error: dns.exception.DNSException
) -> tuple[dns.name.Name, int]:
    """Accept a last name whose final zero byte was left out, as in Microsoft's example.

    Only when one added zero byte ends a name read straight through, exactly at
    the end of the value: a truncated compression pointer also "parses" with a
    zero added, but that zero would be the pointer's second byte, not a
    terminator, so it stays an error.
    """
    padded = names + b"\x00"
    try:
        name, used = dns.name.from_wire(padded, position)
    except dns.exception.DNSException:
        raise _name_error(error, position) from error
    if position + used != len(padded) or len(_uncompressed(name)) != used:
        raise _name_error(error, position) from error
    return name, used - 1


def _name_error(error: dns.exception.DNSException, position: int) -> MalformedOption:
    if isinstance(error, dns.name.BadPointer):
        reason = "compression pointer loops or points outside the names before it"
    elif isinstance(error, dns.name.BadLabelType):
        reason = "label length byte uses the reserved 01/10 high bits"
    elif isinstance(error, dns.name.NameTooLong):
        reason = "domain name longer than 255 bytes"
    else:
        reason = "domain name runs past the end of the option"
    return MalformedOption(OPTION_CODE, reason, offset=1 + position)


def _uncompressed(name: dns.name.Name) -> bytes:
    wire = io.BytesIO()
    name.to_wire(wire)
    return wire.getvalue()


def _decode_addresses(addresses: bytes) -> SipServerOption:
    if not addresses or len(addresses) % 4:
        raise MalformedOption(
            OPTION_CODE,
            f"encoding 1 needs a length of 4n+1 with n >= 1, got {len(addresses) + 1}",
            offset=1 + len(addresses) - len(addresses) % 4,
        )
    return SipServerOption(
        encoding=ENCODING_ADDRESSES,
        servers=tuple(
            str(ipaddress.IPv4Address(addresses[start : start + 4]))
            for start in range(0, len(addresses), 4)
        ),
    )


def encode_sip_server_names(names: Sequence[str]) -> bytes:
    """Encoding 0 the way DHCPUtil writes it: each name in full, ending in a zero byte.

    No compression, since some phones may not follow pointers and the
    uncompressed form is what Microsoft's tool produced for the deployed base.
    Bad names raise MalformedOption so a scenario file gets one clear line.
    """
    if not names:
        raise MalformedOption(OPTION_CODE, "no domain name to encode")
    encoded = bytearray([ENCODING_NAMES])
    for text in names:
        try:
            name = dns.name.from_text(text)
        except dns.exception.DNSException as error:
            raise MalformedOption(OPTION_CODE, f"cannot encode name {text!r}: {error}") from error
        if name == dns.name.root:
            raise MalformedOption(OPTION_CODE, f"cannot encode name {text!r}: it is empty")
        encoded += _uncompressed(name)
    return bytes(encoded)


def encode_sip_server_addresses(addresses: Sequence[str]) -> bytes:
    if not addresses:
        raise MalformedOption(OPTION_CODE, "no IPv4 address to encode")
    encoded = bytearray([ENCODING_ADDRESSES])
    for text in addresses:
        try:
            encoded += ipaddress.IPv4Address(text).packed
        except ValueError as error:
            reason = f"cannot encode address {text!r}: {error}"
            raise MalformedOption(OPTION_CODE, reason) from error
    return bytes(encoded)
