"""The phone's capture: a pcap Wireshark opens, with headers around what a UDP socket gave."""

from __future__ import annotations

from pathlib import Path

from scapy.layers.dhcp import BOOTP
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.utils import rdpcap

from phonesim.codec.dhcp_message import build_inform
from phonesim.drivers.packet_capture import DatagramTap, Hop, PacketCapture

INFORM = build_inform(
    xid=0x01020304,
    mac="00:04:f2:aa:bb:cc",
    ciaddr="192.0.2.20",
    vendor_class="MS-UC-Client",
    parameter_request_list=[43, 120],
)


def test_synthesised_headers_carry_addresses_ports_and_the_payload(tmp_path: Path) -> None:
    capture = PacketCapture(tmp_path / "capture.pcap")
    tap = DatagramTap(capture, Hop("192.0.2.20", 68, "00:04:f2:aa:bb:cc"))
    tap.sent(INFORM, ("255.255.255.255", 67))
    tap.received(b"answer", ("192.0.2.1", 67))
    capture.close()
    sent, received = rdpcap(str(tmp_path / "capture.pcap"))
    assert (sent[Ether].src, sent[Ether].dst) == ("00:04:f2:aa:bb:cc", "ff:ff:ff:ff:ff:ff")
    assert (sent[IP].src, sent[IP].dst, sent[UDP].sport, sent[UDP].dport) == (
        "192.0.2.20",
        "255.255.255.255",
        68,
        67,
    )
    assert bytes(sent[UDP].payload) == INFORM
    assert sent[BOOTP].xid == 0x01020304  # scapy sees DHCP on 68/67, as Wireshark does
    assert (received[IP].src, received[UDP].sport, received[IP].dst, received[UDP].dport) == (
        "192.0.2.1",
        67,
        "192.0.2.20",
        68,
    )
    assert bytes(received[UDP].payload) == b"answer"
    assert received.time >= sent.time > 0


def test_the_labs_unprivileged_port_is_shown_as_67(tmp_path: Path) -> None:
    capture = PacketCapture(tmp_path / "capture.pcap")
    tap = DatagramTap(capture, Hop("127.0.0.1", 40001), server_port=67)
    tap.sent(INFORM, ("127.0.0.1", 50067))
    tap.received(b"x", ("127.0.0.1", 50067))
    capture.close()
    sent, received = rdpcap(str(tmp_path / "capture.pcap"))
    assert (sent[UDP].sport, sent[UDP].dport) == (40001, 67)
    assert (received[UDP].sport, received[UDP].dport) == (67, 40001)


def test_frames_are_written_as_they_came(tmp_path: Path) -> None:
    frame = bytes(
        Ether(src="02:00:00:00:00:01", dst="00:04:f2:aa:bb:cc")
        / IP(src="192.0.2.1", dst="192.0.2.20")
        / UDP(sport=67, dport=68)
        / b"payload"
    )
    capture = PacketCapture(tmp_path / "capture.pcap")
    capture.frame(frame)
    capture.close()
    [packet] = rdpcap(str(tmp_path / "capture.pcap"))
    assert bytes(packet) == frame
    assert capture.packets == 1


def test_a_capture_is_readable_while_the_boot_still_runs(tmp_path: Path) -> None:
    """Flushed per packet: an interrupted boot still leaves a capture that opens."""
    capture = PacketCapture(tmp_path / "capture.pcap")
    DatagramTap(capture, Hop("192.0.2.20", 68)).sent(INFORM, ("192.0.2.1", 67))
    assert len(rdpcap(str(tmp_path / "capture.pcap"))) == 1
    capture.close()
