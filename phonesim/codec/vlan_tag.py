"""The 802.1Q tag a phone on a voice VLAN puts on every frame it sends.

The kernels phonesim runs on may have no 802.1Q support, so the phone (and a
test's stand-in for a switch's VLAN) tags and untags frames itself. This runs
once per frame, a fleet's worth of frames a second, so it is `struct` on the
bytes; the tests hold it to what scapy's `Dot1Q` writes and reads.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from phonesim.errors import MalformedFrame

TPID_8021Q = 0x8100
MAC_HEADER = 12
"""Destination and source MAC: the tag goes right after them."""
TAG_LENGTH = 4
MIN_VLAN = 1
MAX_VLAN = 4094
_TAG = struct.Struct("!HH")


@dataclass(frozen=True)
class VlanTag:
    vlan_id: int
    priority: int = 0
    """802.1p class of service (PCP, 0-7); voice is 5 on most switches."""
    drop_eligible: bool = False


def add_vlan_tag(frame: bytes, vlan_id: int, *, priority: int = 0) -> bytes:
    """The frame with an 802.1Q tag (VID, PCP) inserted after the two MACs."""
    if not MIN_VLAN <= vlan_id <= MAX_VLAN:
        raise MalformedFrame(f"VLAN ID {vlan_id} is outside {MIN_VLAN}..{MAX_VLAN}")
    if not 0 <= priority <= 7:
        raise MalformedFrame(f"802.1p priority {priority} is outside 0..7")
    if len(frame) < MAC_HEADER + 2:
        raise MalformedFrame(f"{len(frame)} bytes is shorter than an Ethernet header")
    tag = _TAG.pack(TPID_8021Q, (priority << 13) | vlan_id)
    return frame[:MAC_HEADER] + tag + frame[MAC_HEADER:]


def read_vlan_tag(frame: bytes) -> VlanTag | None:
    """The frame's outer 802.1Q tag, or None for an untagged frame."""
    if len(frame) < MAC_HEADER + 2:
        raise MalformedFrame(f"{len(frame)} bytes is shorter than an Ethernet header")
    if frame[MAC_HEADER : MAC_HEADER + 2] != b"\x81\x00":
        return None
    if len(frame) < MAC_HEADER + TAG_LENGTH + 2:
        raise MalformedFrame("802.1Q tag cut short", MAC_HEADER)
    _tpid, tci = _TAG.unpack_from(frame, MAC_HEADER)
    return VlanTag(vlan_id=tci & 0x0FFF, priority=tci >> 13, drop_eligible=bool(tci & 0x1000))


def remove_vlan_tag(frame: bytes) -> tuple[VlanTag | None, bytes]:
    """The outer tag and the frame without it; an untagged frame comes back as it is."""
    tag = read_vlan_tag(frame)
    if tag is None:
        return None, frame
    return tag, frame[:MAC_HEADER] + frame[MAC_HEADER + TAG_LENGTH :]
