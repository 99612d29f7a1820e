"""Which frames the packet-socket transport takes as DHCP answers."""

from __future__ import annotations

from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.l2 import ARP, Ether

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
