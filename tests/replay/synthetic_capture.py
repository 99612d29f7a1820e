"""Large synthetic captures, written fast by repeating one block of raw pcap records.

A block is what a busy voice VLAN shows in a few seconds: many non-DHCP frames
(RTP-sized UDP, TCP, some of them 802.1Q tagged), one phone's DHCPINFORM with
two servers answering (one without an FQDN, first), and its DNS SRV lookup.
The block is built once with scapy and phonesim's codecs; each copy only has its
timestamps and transaction ids patched in place, so a 100 MB file takes well
under a second to write.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from phonesim.codec.dhcp_message import build_ack, build_inform, decode_dhcp_message
from phonesim.codec.ms_uc_client_option import encode_ms_uc_client_option
from phonesim.codec.sip_server_option import encode_sip_server_names

T0 = 1795424400
PCAP_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1)
DHCP_AT = 14 + 20 + 8
"""Offset of the DHCP message in an untagged Ethernet/IPv4/UDP frame."""
SRV_NAME = "_sipinternaltls._tcp.contoso.test"


@dataclass(frozen=True)
class SyntheticCapture:
    path: Path
    blocks: int
    records: int
    sessions: int
    size: int


@dataclass(frozen=True)
class _Block:
    data: bytearray
    seconds_at: tuple[int, ...]
    """Offsets of each record's ts_sec field in the block."""
    seconds: tuple[int, ...]
    """Each record's whole-second offset from the block start."""
    xid_at: tuple[int, ...]
    records: int


def _frames(filler_frames: int, filler_size: int) -> list[tuple[float, bytes]]:
    import dns.message
    import dns.rdatatype
    import dns.rrset
    from scapy.layers.inet import IP, TCP, UDP
    from scapy.layers.l2 import Dot1Q, Ether
    from scapy.packet import Raw

    inform = build_inform(
        xid=0x10000000,
        mac="00:04:f2:5a:10:01",
        ciaddr="192.0.2.100",
        vendor_class="MS-UC-Client",
        parameter_request_list=[1, 3, 6, 15, 42, 43, 120],
    )
    request = decode_dhcp_message(inform)
    plain = build_ack(request=request, server_id="192.0.2.5", options=[(15, b"contoso.test")])
    uc = build_ack(
        request=request,
        server_id="192.0.2.6",
        options=[
            (120, encode_sip_server_names(["pool01.contoso.test"])),
            (43, encode_ms_uc_client_option(web_server_fqdn="web01.contoso.test")),
        ],
    )
    query = dns.message.make_query(SRV_NAME, dns.rdatatype.SRV)
    query.id = 0x3333
    response = dns.message.make_response(query)
    response.answer.append(
        dns.rrset.from_text(SRV_NAME + ".", 300, "IN", "SRV", "0 0 5061 pool01.contoso.test.")
    )

    def udp(src: str, dst: str, sport: int, dport: int, payload: bytes) -> bytes:
        return bytes(
            Ether(src="00:04:f2:5a:10:01", dst="ff:ff:ff:ff:ff:ff")
            / IP(src=src, dst=dst)
            / UDP(sport=sport, dport=dport)
            / Raw(payload)
        )

    frames: list[tuple[float, bytes]] = [
        (0.0, udp("192.0.2.100", "255.255.255.255", 68, 67, inform)),
        (0.0003, udp("192.0.2.100", "192.0.2.53", 53001, 53, query.to_wire())),
        (0.0008, udp("192.0.2.5", "192.0.2.100", 67, 68, plain)),
        (0.0015, udp("192.0.2.53", "192.0.2.100", 53, 53001, response.to_wire())),
        (0.0021, udp("192.0.2.6", "192.0.2.100", 67, 68, uc)),
    ]
    body = b"\x80" * filler_size
    # MACs are always given: left out, scapy would ARP for them on the host's network.
    ether = Ether(src="00:00:5e:00:53:c8", dst="00:04:f2:5a:10:01")
    kinds: list[bytes] = []
    for kind in range(10):
        layer: Any = (
            TCP(sport=443, dport=50000 + kind)
            if kind % 3 == 0
            else UDP(sport=16384 + kind, dport=20000 + kind)
        )
        ip = IP(src=f"192.0.2.{200 + kind}", dst="192.0.2.100")
        tagged = ether / Dot1Q(vlan=100) if kind % 5 == 0 else ether
        kinds.append(bytes(tagged / ip / layer / Raw(body)))
    for index in range(filler_frames):
        frames.append((0.01 + index * 0.004, kinds[index % len(kinds)]))
    return frames


def _block(filler_frames: int, filler_size: int) -> _Block:
    data = bytearray()
    seconds_at: list[int] = []
    seconds: list[int] = []
    xid_at: list[int] = []
    frames = _frames(filler_frames, filler_size)
    for position, (at, frame) in enumerate(frames):
        whole = int(at)
        seconds_at.append(len(data))
        seconds.append(whole)
        data += struct.pack("<IIII", 0, round((at - whole) * 1e6), len(frame), len(frame))
        if position in (0, 2, 4):  # the INFORM and both ACKs
            xid_at.append(len(data) + DHCP_AT + 4)
        data += frame
    return _Block(data, tuple(seconds_at), tuple(seconds), tuple(xid_at), len(frames))


def write_synthetic_capture(
    path: Path,
    *,
    target_bytes: int,
    spacing: int = 10,
    filler_frames: int = 700,
    filler_size: int = 1400,
) -> SyntheticCapture:
    """Write blocks until the file reaches `target_bytes`; block i starts `i * spacing` s in."""
    block = _block(filler_frames, filler_size)
    count = max(1, -(-target_bytes // len(block.data)))
    with path.open("wb") as out:
        out.write(PCAP_HEADER)
        for index in range(count):
            start = T0 + index * spacing
            for at, offset in zip(block.seconds_at, block.seconds, strict=True):
                struct.pack_into("<I", block.data, at, start + offset)
            for at in block.xid_at:
                struct.pack_into(">I", block.data, at, 0x10000000 + index)
            out.write(block.data)
    return SyntheticCapture(
        path=path,
        blocks=count,
        records=count * block.records,
        sessions=count,
        size=path.stat().st_size,
    )
