"""Frames written without scapy are the frames scapy writes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from phonesim.codec.link_layers import LINKTYPE_ETHERNET, find_udp
from phonesim.codec.udp_frame import _checksum, build_udp_frame

macs = st.binary(min_size=6, max_size=6).map(lambda b: ":".join(f"{x:02x}" for x in b))
addresses = st.binary(min_size=4, max_size=4).map(lambda b: ".".join(str(x) for x in b))
ports = st.integers(min_value=0, max_value=65535)


@given(macs, macs, addresses, addresses, ports, ports, st.binary(max_size=600))
def test_byte_for_byte_what_scapy_builds(
    src_mac, dst_mac, src_ip, dst_ip, sport, dport, payload
) -> None:
    ours = build_udp_frame(
        source_mac=src_mac,
        destination_mac=dst_mac,
        source_ip=src_ip,
        destination_ip=dst_ip,
        source_port=sport,
        destination_port=dport,
        payload=payload,
    )
    theirs = bytes(
        Ether(src=src_mac, dst=dst_mac)
        / IP(src=src_ip, dst=dst_ip, ttl=64)
        / UDP(sport=sport, dport=dport)
        / payload
    )
    assert ours == theirs


def test_a_broadcast_inform_frame_reads_back() -> None:
    frame = build_udp_frame(
        source_mac="00:04:f2:aa:bb:cc",
        destination_mac="ff:ff:ff:ff:ff:ff",
        source_ip="198.51.100.1",
        destination_ip="255.255.255.255",
        source_port=68,
        destination_port=67,
        payload=b"inform",
    )
    found = find_udp(LINKTYPE_ETHERNET, frame)
    assert not isinstance(found, str)
    assert (found.source, found.destination_port, found.payload) == ("198.51.100.1", 67, b"inform")


def _rfc1071(data: bytes) -> int:
    """RFC 1071 §4.1's loop, word by word: the reference for the whole-number shortcut."""
    if len(data) % 2:
        data += b"\x00"
    total = 0
    for i in range(0, len(data), 2):
        total += data[i] << 8 | data[i + 1]
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


@given(
    st.one_of(
        st.binary(max_size=700),
        st.integers(min_value=0, max_value=40).map(lambda n: b"\xff" * n),
        st.integers(min_value=0, max_value=40).map(lambda n: b"\x00" * n),
    )
)
def test_the_checksum_is_rfc_1071s(data: bytes) -> None:
    assert _checksum(data) == _rfc1071(data)
