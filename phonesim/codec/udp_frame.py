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
from array import array

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
    src = socket.inet_aton(source_ip)
    dst = socket.inet_aton(destination_ip)
    udp_length = 8 + len(payload)
    udp_sum = _checksum(
        src
        + dst
        + struct.pack("!BBH", 0, socket.IPPROTO_UDP, udp_length)
        + _UDP_HEADER.pack(source_port, destination_port, udp_length, 0)
        + payload
    )
    # RFC 768: a computed checksum of zero is sent as all ones (zero means "none").
    udp = _UDP_HEADER.pack(source_port, destination_port, udp_length, udp_sum or 0xFFFF)
    header = _IP_HEADER.pack(0x45, 0, 20 + udp_length, 1, 0, ttl, socket.IPPROTO_UDP, 0, src, dst)
    header = header[:10] + _checksum(header).to_bytes(2, "big") + header[12:]
    return _mac(destination_mac) + _mac(source_mac) + ETHERTYPE_IPV4 + header + udp + payload


def _checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071): one's complement of the one's complement sum."""
    if len(data) % 2:
        data += b"\x00"
    words = array("H", data)
    if words.itemsize != 2:  # pragma: no cover - every platform phonesim runs on
        raise RuntimeError("array('H') is not 16 bits here")
    if socket.htons(1) != 1:  # little-endian host: the words were read byte-swapped
        words.byteswap()
    total = sum(words)
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _mac(text: str) -> bytes:
    return bytes.fromhex(text.replace(":", "").replace("-", ""))
