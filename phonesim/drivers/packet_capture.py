"""The phone's own capture: every DHCP packet it sent and received, as a pcap file.

An admin attaches the run folder to a ticket and opens `capture.pcap` in
Wireshark next to the server's own capture, so the file must be an ordinary
Ethernet pcap. A packet socket hands over whole frames, which are written as
they came; a plain UDP socket only gives the payload and the peer address, so
Ethernet, IPv4 and UDP headers are written around it (by `codec.udp_frame`,
the bytes scapy would build). Synthesised headers carry what the phone knows:
its address and MAC, the peer's address and port; a MAC it never learnt is
written as 00:00:00:00:00:00.

Each packet is stamped with the clock reading taken when the socket handed it
over or took it, and written at once in microseconds: the phone handles an
answer only after its capture has written it, so a slow capture would make
every answer look late in the trace (building headers with scapy took about a
millisecond per packet).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from phonesim.codec.udp_frame import build_udp_frame
from phonesim.errors import UsageError

CAPTURE_FILE = "capture.pcap"
UNKNOWN_MAC = "00:00:00:00:00:00"
BROADCAST_MAC = "ff:ff:ff:ff:ff:ff"
BROADCAST_ADDRESS = "255.255.255.255"
LINKTYPE_ETHERNET = 1


@dataclass(frozen=True)
class Hop:
    """One end of a datagram as the capture shows it."""

    address: str
    port: int
    mac: str = UNKNOWN_MAC


class PacketCapture:
    """Appends packets to a pcap file as they happen; flushed after each one.

    Flushing every packet costs little at the phone's rate and means a boot
    that is interrupted still leaves a capture that opens.
    """

    def __init__(self, path: Path) -> None:
        from scapy.utils import PcapWriter

        self.path = path
        self.packets = 0
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._writer: Any = PcapWriter(str(path), linktype=LINKTYPE_ETHERNET, sync=True)
            self._writer.write_header(None)
        except OSError as error:
            raise UsageError(f"cannot write the capture {path}: {error.strerror}") from None

    def datagram(self, payload: bytes, source: Hop, destination: Hop) -> None:
        """A UDP datagram whose headers the socket did not show: build them around it."""
        when = time.time()
        destination_mac = destination.mac
        if destination.address == BROADCAST_ADDRESS:
            destination_mac = BROADCAST_MAC
        frame = build_udp_frame(
            source_mac=source.mac,
            destination_mac=destination_mac,
            source_ip=source.address,
            destination_ip=destination.address,
            source_port=source.port,
            destination_port=destination.port,
            payload=payload,
        )
        self._write(frame, when)

    def frame(self, data: bytes) -> None:
        """A whole Ethernet frame, as a packet socket received or sent it."""
        self._write(data, time.time())

    def _write(self, frame: bytes, when: float) -> None:
        if self._writer is None:
            return
        seconds = int(when)
        self._writer.write_packet(frame, sec=seconds, usec=int((when - seconds) * 1_000_000))
        self.packets += 1

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


@dataclass
class DatagramTap:
    """What a UDP-socket transport tells the capture: payloads and peers, headers filled in.

    `local` is the phone's end as the capture shows it. `server_port`, when
    set, replaces the peer's port: the embedded lab listens on an unprivileged
    port but stands for a DHCP server on 67, exactly as its other servers stand
    for 443 or 5061, and Wireshark recognises DHCP by ports 67 and 68.
    """

    capture: PacketCapture
    local: Hop
    server_port: int | None = None

    def sent(self, payload: bytes, peer: tuple[str, int]) -> None:
        self.capture.datagram(payload, self.local, self._peer(peer))

    def received(self, payload: bytes, peer: tuple[str, int]) -> None:
        self.capture.datagram(payload, self._peer(peer), self.local)

    def _peer(self, peer: tuple[str, int]) -> Hop:
        return Hop(peer[0], self.server_port if self.server_port is not None else peer[1])
