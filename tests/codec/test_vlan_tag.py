"""802.1Q tags written and read without scapy are the tags scapy's Dot1Q writes and reads."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Dot1Q, Ether

from phonesim.codec.vlan_tag import VlanTag, add_vlan_tag, read_vlan_tag, remove_vlan_tag
from phonesim.errors import MalformedFrame

vlans = st.integers(min_value=1, max_value=4094)
priorities = st.integers(min_value=0, max_value=7)
payloads = st.binary(max_size=200)


def _untagged(payload: bytes) -> bytes:
    return bytes(
        Ether(src="00:04:f2:00:00:01", dst="ff:ff:ff:ff:ff:ff")
        / IP(src="0.0.0.0", dst="255.255.255.255")
        / UDP(sport=68, dport=67)
        / payload
    )


@given(vlans, priorities, payloads)
def test_a_tag_added_is_the_tag_scapy_writes(vlan: int, priority: int, payload: bytes) -> None:
    theirs = bytes(
        Ether(src="00:04:f2:00:00:01", dst="ff:ff:ff:ff:ff:ff")
        / Dot1Q(vlan=vlan, prio=priority)
        / IP(src="0.0.0.0", dst="255.255.255.255")
        / UDP(sport=68, dport=67)
        / payload
    )
    assert add_vlan_tag(_untagged(payload), vlan, priority=priority) == theirs


@given(vlans, priorities, st.booleans(), payloads)
def test_a_tag_scapy_writes_is_read_and_removed(
    vlan: int, priority: int, dei: bool, payload: bytes
) -> None:
    tagged = bytes(
        Ether(src="00:04:f2:00:00:01", dst="ff:ff:ff:ff:ff:ff")
        / Dot1Q(vlan=vlan, prio=priority, dei=int(dei))
        / IP(src="0.0.0.0", dst="255.255.255.255")
        / UDP(sport=68, dport=67)
        / payload
    )
    tag, frame = remove_vlan_tag(tagged)
    assert tag == VlanTag(vlan_id=vlan, priority=priority, drop_eligible=dei)
    assert frame == _untagged(payload)


def test_an_untagged_frame_has_no_tag_and_is_left_as_it_is() -> None:
    frame = _untagged(b"x")
    assert read_vlan_tag(frame) is None
    assert remove_vlan_tag(frame) == (None, frame)


@pytest.mark.parametrize("vlan", [0, 4095, 5000])
def test_a_vlan_outside_1_to_4094_is_refused(vlan: int) -> None:
    with pytest.raises(MalformedFrame, match=r"outside 1\.\.4094"):
        add_vlan_tag(_untagged(b""), vlan)


@given(st.binary(max_size=40))
def test_any_bytes_give_a_tag_none_or_our_error(data: bytes) -> None:
    with contextlib.suppress(MalformedFrame):
        remove_vlan_tag(data)
