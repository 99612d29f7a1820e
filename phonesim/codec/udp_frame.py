"""An Ethernet/IPv4/UDP frame around a datagram, written without scapy.

A packet socket sends whole frames: a fleet broadcasting its phones' INFORMs
from their own MACs needs one per phone, and scapy takes hundreds of
microseconds to build each. The layout is scapy's defaults (IPv4 id 1, TTL
64, no options, both checksums), so the bytes are the same as
`bytes(Ether(...)/IP(...)/UDP(...)/payload)`; the tests hold it to that.
"""

from __future__ import annotations

import socket
import struct
from functools import lru_cache

ETHERTYPE_IPV4 = b"\x08\x00"
_IP_HEADER = struct.Struct("!BBHHHBBH4s4s")
_UDP_HEADER = struct.Struct("!HHHH")


def build_udp_frame(
    *,
    source_mac: str,
    destination_mac: str,
    source_ip: str,
    destination_ip: str,
    source_port: int,
    destination_port: int,
    payload: bytes,
    ttl: int = 64,
) -> bytes:
    return udp_frame(
        _mac(source_mac),
        _mac(destination_mac),
        socket.inet_aton(source_ip),
        socket.inet_aton(destination_ip),
        source_port,
        destination_port,
        payload,
        ttl,
    )


def udp_frame(
    source_mac: bytes,
    destination_mac: bytes,
    source_ip: bytes,
    destination_ip: bytes,
    source_port: int,
    destination_port: int,
    payload: bytes,
    ttl: int = 64,
) -> bytes:
    """`build_udp_frame` from the wire forms of the addresses (6 and 4 bytes).

    A fleet sends a frame per message from MACs and addresses it already holds as
    bytes (the message's chaddr and ciaddr): no text round trip, and the headers
    that depend only on addresses, ports and length are written once.
    """
    udp_length = 8 + len(payload)
    ip_header, pseudo_sum = _headers(source_ip, destination_ip, udp_length, ttl)
    udp_sum = _fold(pseudo_sum + source_port + destination_port + _sum_of_words(payload))
    udp_sum = ~udp_sum & 0xFFFF
    # RFC 768: a computed checksum of zero is sent as all ones (zero means "none").
    udp = _UDP_HEADER.pack(source_port, destination_port, udp_length, udp_sum or 0xFFFF)
    return destination_mac + source_mac + ip_header + udp + payload


@lru_cache(maxsize=4096)
def _headers(src: bytes, dst: bytes, udp_length: int, ttl: int) -> tuple[bytes, int]:
    """The EtherType and IPv4 header, and the pseudo-header's sum (without the UDP
    header's ports and the payload): the same for every frame of one length between
    the same two addresses, as a fleet's DISCOVERs from 0.0.0.0 are."""
    header = _IP_HEADER.pack(0x45, 0, 20 + udp_length, 1, 0, ttl, socket.IPPROTO_UDP, 0, src, dst)
    header = header[:10] + _checksum(header).to_bytes(2, "big") + header[12:]
    pseudo = src + dst + struct.pack("!BBH", 0, socket.IPPROTO_UDP, udp_length)
    # The UDP header's own length field counts a second time.
    return ETHERTYPE_IPV4 + header, _sum_of_words(pseudo) + udp_length


def _checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071): one's complement of the one's complement sum."""
    return ~_fold(_sum_of_words(data)) & 0xFFFF


def _sum_of_words(data: bytes) -> int:
    """The sum of `data`'s 16-bit big-endian words (a last odd byte padded with zero),
    congruent modulo 0xFFFF: since 0x10000 is 1 modulo 0xFFFF, the whole of `data` read
    as one number is, and `int.from_bytes` reads it in C rather than word by word."""
    if len(data) % 2:
        data += b"\x00"
    value = int.from_bytes(data, "big")
    return 0 if value == 0 else (value % 0xFFFF or 0xFFFF)


def _fold(total: int) -> int:
    """A sum of words carried around into 16 bits (RFC 1071's end-around carry)."""
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def _mac(text: str) -> bytes:
    return bytes.fromhex(text.replace(":", "").replace("-", ""))
