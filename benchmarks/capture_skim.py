"""Capture skim throughput: phonesim's skim against scapy's rdpcap on the same file.

    python benchmarks/capture_skim.py [--size-mb 8] [--runs 5] [--scapy-runs 3]

Run from the repository root. The file is a synthetic voice-VLAN capture
(tests/replay/synthetic_capture.py): per block, ~700 RTP/TCP-sized frames (some
802.1Q tagged), one DHCPINFORM answered by two servers, one DNS SRV lookup.
Both sides find the DHCP sessions: phonesim with `CaptureSkim` (raw records,
header checks, DHCP decoded only when found); the baseline with `rdpcap`
(every frame fully dissected by scapy), then the same session grouping on the
UDP 67/68 payloads scapy found. Prints the median packets/s of each, the
ratio, and whether both found identical sessions.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from phonesim.codec.dhcp_message import decode_dhcp_message
from phonesim.replay.capture_skim import CaptureSkim
from phonesim.replay.sessions import DhcpSession, SessionAssembler, SessionMessage
from tests.replay.synthetic_capture import write_synthetic_capture

Fingerprint = list[tuple[int, int, str, tuple[tuple[str, str, float, bytes], ...]]]


def fingerprint(sessions: list[DhcpSession]) -> Fingerprint:
    return [
        (
            s.number,
            s.xid,
            s.client_mac,
            tuple((m.type_name, m.source, round(m.time, 6), m.payload) for m in s.messages),
        )
        for s in sessions
    ]


def phonesim_skim(path: Path) -> list[DhcpSession]:
    return list(CaptureSkim(path).sessions())


def scapy_rdpcap(path: Path) -> list[DhcpSession]:
    from scapy.layers.inet import IP, UDP
    from scapy.packet import NoPayload, Padding
    from scapy.utils import rdpcap

    assembler = SessionAssembler()
    sessions: list[DhcpSession] = []
    for number, packet in enumerate(rdpcap(str(path)), start=1):
        if UDP not in packet:
            continue
        udp = packet[UDP]
        if not {udp.sport, udp.dport} & {67, 68}:
            continue
        payload = udp.payload
        data = b"" if isinstance(payload, NoPayload | Padding) else bytes(payload.original)
        ip = packet[IP]
        message = SessionMessage(
            time=float(packet.time),
            record=number,
            offset=0,
            interface="",
            vlans=(),
            source=f"{ip.src}:{udp.sport}",
            destination=f"{ip.dst}:{udp.dport}",
            payload=data,
            message=decode_dhcp_message(data),
        )
        sessions += assembler.add(message)
    sessions += assembler.finish()
    return sessions


def measure(
    job: Callable[[Path], list[DhcpSession]], path: Path, runs: int
) -> tuple[list[float], list[DhcpSession]]:
    times = []
    found: list[DhcpSession] = []
    for _ in range(runs):
        started = time.perf_counter()
        found = job(path)
        times.append(time.perf_counter() - started)
    return times, found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=8.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scapy-runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        capture = write_synthetic_capture(
            Path(folder) / "skim.pcap", target_bytes=int(args.size_mb * 1024 * 1024)
        )
        phonesim_skim(capture.path)  # warm the imports, as the baseline's first run does below
        ours, our_sessions = measure(phonesim_skim, capture.path, args.runs)
        theirs, their_sessions = measure(scapy_rdpcap, capture.path, args.scapy_runs)
    packets = capture.records
    our_rate = packets / statistics.median(ours)
    their_rate = packets / statistics.median(theirs)
    identical = fingerprint(our_sessions) == fingerprint(their_sessions)
    print(
        f"machine: {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, {sys.platform}"
    )
    print(
        f"capture: {capture.size / 1e6:.1f} MB, {packets} packets, "
        f"{len(our_sessions)} DHCP sessions"
    )
    print(
        f"phonesim skim : median {our_rate:,.0f} packets/s over {len(ours)} runs "
        f"({', '.join(f'{t:.3f}' for t in ours)} s)"
    )
    print(
        f"scapy rdpcap  : median {their_rate:,.0f} packets/s over {len(theirs)} runs "
        f"({', '.join(f'{t:.3f}' for t in theirs)} s)"
    )
    print(f"ratio         : {our_rate / their_rate:.1f}x")
    print(
        f"sessions identical: {'yes' if identical else 'NO'} ({len(our_sessions)} vs {len(their_sessions)})"
    )
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
