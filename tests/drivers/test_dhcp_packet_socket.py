"""Which frames the packet-socket transport takes as DHCP answers."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.l2 import ARP, Ether

from phonesim.codec.link_layers import LINKTYPE_ETHERNET, find_udp
from phonesim.drivers.dhcp_packet_socket import dhcp_answer_in_frame

PHONE = "00:04:f2:aa:bb:cc"


def frame(*layers: object) -> bytes:
    packet = Ether(src="02:00:00:00:00:01", dst=PHONE)
    for layer in layers:
        packet = packet / layer
    return bytes(packet)


def test_udp_to_the_client_port_is_an_answer_with_its_source() -> None:
    data = frame(IP(src="192.0.2.1", dst="192.0.2.20"), UDP(sport=67, dport=68), b"ack")
    assert dhcp_answer_in_frame(data, 68) == (b"ack", "192.0.2.1:67")


def test_an_ip_header_with_options_is_read_past() -> None:
    ip = IP(src="192.0.2.1", dst="192.0.2.20", options=[b"\x01\x01\x01\x00"])
    data = frame(ip, UDP(sport=67, dport=68), b"ack")
    assert bytes(data)[14] & 0x0F == 6
    assert dhcp_answer_in_frame(data, 68) == (b"ack", "192.0.2.1:67")


def test_other_frames_are_not_answers() -> None:
    assert dhcp_answer_in_frame(frame(IP(), UDP(sport=67, dport=69), b"x"), 68) is None
    assert dhcp_answer_in_frame(frame(IP(), TCP(sport=67, dport=68)), 68) is None
    assert dhcp_answer_in_frame(frame(ARP()), 68) is None
    assert dhcp_answer_in_frame(b"\x00" * 20, 68) is None
    # The phone's own INFORM (to 67) seen on the way out is not an answer either.
    assert dhcp_answer_in_frame(frame(IP(), UDP(sport=68, dport=67), b"x"), 68) is None


def _by_find_udp(data: bytes, client_port: int) -> tuple[bytes, str] | None:
    found = find_udp(LINKTYPE_ETHERNET, data)
    if isinstance(found, str) or found.destination_port != client_port:
        return None
    return found.payload, f"{found.source}:{found.source_port}"


@settings(max_examples=300)
@given(
    source=st.sampled_from(["192.0.2.1", "198.51.100.53", "0.0.0.0"]),
    sport=st.sampled_from([67, 68, 53, 9, 4000]),
    dport=st.sampled_from([67, 68, 53, 6800]),
    payload=st.binary(max_size=60),
    flags=st.sampled_from([0, 1, 2]),
    fragment=st.sampled_from([0, 0, 5]),
    padding=st.binary(max_size=20),
    cut=st.integers(min_value=0, max_value=80),
    flips=st.lists(st.tuples(st.integers(0, 80), st.integers(0, 255)), max_size=3),
    client_port=st.sampled_from([68, 6800]),
    total=st.sampled_from([None, 0, 19, 20, 30, 1000]),
)
def test_the_plain_ipv4_reading_is_find_udps(
    source, sport, dport, payload, flags, fragment, padding, cut, flips, client_port, total
) -> None:
    """The one-unpack reading of an untagged IPv4 frame answers as `find_udp` does, for
    well-formed frames and for frames cut short, padded or with bytes changed."""
    ip = IP(src=source, dst="192.0.2.20", flags=flags, frag=fragment)
    data = bytearray(frame(ip, UDP(sport=sport, dport=dport), payload) + padding)
    if total is not None:  # an IP total length the frame does not bear out
        data[16:18] = total.to_bytes(2, "big")
    for at, value in flips:
        if at < len(data):
            data[at] = value
    whole = bytes(data)
    for sample in (whole, whole[: len(whole) - cut]):
        assert dhcp_answer_in_frame(sample, client_port) == _by_find_udp(sample, client_port)
