"""Where the example captures live, and small helpers to make damaged copies of them."""

from __future__ import annotations

import struct
from pathlib import Path

CAPTURES = Path(__file__).resolve().parents[2] / "examples" / "captures"


def capture(name: str) -> Path:
    path = CAPTURES / name
    assert path.exists(), (
        f"example capture {name} is missing; run examples/captures/make_captures.py"
    )
    return path


def pcap_record_offsets(data: bytes) -> list[tuple[int, int]]:
    """(offset, total length) of each record of a little-endian pcap, walked independently."""
    assert data[:4] == b"\xd4\xc3\xb2\xa1", "helper reads little-endian microsecond pcap only"
    offsets = []
    position = 24
    while position + 16 <= len(data):
        caplen = struct.unpack_from("<I", data, position + 8)[0]
        offsets.append((position, 16 + caplen))
        position += 16 + caplen
    return offsets


def pcapng_block_offsets(data: bytes) -> list[tuple[int, int, int]]:
    """(offset, length, block type) of each block of a little-endian pcapng."""
    blocks = []
    position = 0
    while position + 8 <= len(data):
        block_type, length = struct.unpack_from("<II", data, position)
        blocks.append((position, length, block_type))
        position += length
    return blocks
