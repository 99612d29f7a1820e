"""LLDP-MED Network Policy TLVs read from whole LLDP frames (TIA-1057 §10.2.3)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scapy.contrib.lldp import (
    LLDPDUChassisID,
    LLDPDUEndOfLLDPDU,
    LLDPDUGenericOrganisationSpecific,
    LLDPDUPortID,
    LLDPDUTimeToLive,
)
from scapy.layers.l2 import Ether

from phonesim.codec.lldp_med import (
    NetworkPolicy,
    build_endpoint_frame,
    decode_lldp_frame,
    decode_network_policy,
    encode_network_policy,
)
from phonesim.errors import MalformedFrame

# Voice, Tagged, VLAN 150, priority 5, DSCP 46: the bit layout worked out by hand
# (U=0 T=1 X=0, 12-bit VID, 3-bit priority, 6-bit DSCP).
VOICE_150 = bytes.fromhex("01412d6e")


def lldp_frame(*policies: bytes, trailer: bytes = b"") -> bytes:
    layers = (
        Ether(dst="01:80:c2:00:00:0e", src="02:00:00:00:00:01", type=0x88CC)
        / LLDPDUChassisID(subtype=4, id=b"\x02\x00\x00\x00\x00\x01")
        / LLDPDUPortID(subtype=5, id=b"ge-0/0/1")
        / LLDPDUTimeToLive(ttl=120)
    )
    for policy in policies:
        layers = layers / LLDPDUGenericOrganisationSpecific(
            org_code=0x0012BB, subtype=2, data=policy
        )
    return bytes(layers / LLDPDUEndOfLLDPDU()) + trailer


def test_a_tagged_voice_policy_gives_the_phone_its_vlan() -> None:
    med = decode_lldp_frame(lldp_frame(VOICE_150))
    assert med.policies == (
        NetworkPolicy(application=1, unknown=False, tagged=True, vlan_id=150, priority=5, dscp=46),
    )
    assert med.voice_vlan == 150
    assert med.policies[0].describe() == "voice: VLAN 150 tagged, priority 5, DSCP 46"


def test_a_voice_policy_without_the_tagged_flag_is_reported_and_ignored() -> None:
    untagged = bytes.fromhex("01012d6e")  # as VOICE_150 with T=0
    med = decode_lldp_frame(lldp_frame(untagged))
    voice = med.policy()
    assert voice is not None and voice.vlan_id == 150 and not voice.tagged
    assert med.voice_vlan is None
    assert "not tagged (ignored)" in voice.describe()


def test_an_unknown_policy_moves_nothing() -> None:
    med = decode_lldp_frame(lldp_frame(bytes.fromhex("01c12d6e")))
    assert med.policy() is not None and med.policy().unknown  # type: ignore[union-attr]
    assert med.voice_vlan is None


def test_the_voice_policy_is_found_among_others() -> None:
    signaling = encode_network_policy(NetworkPolicy(2, False, True, 151, 4, 24))
    med = decode_lldp_frame(lldp_frame(signaling, VOICE_150))
    assert [p.application_name for p in med.policies] == ["voice signaling", "voice"]
    assert med.voice_vlan == 150


def test_a_frame_without_lldp_med_has_no_policy() -> None:
    assert decode_lldp_frame(lldp_frame()).voice_vlan is None


def test_a_policy_of_the_wrong_length_is_our_error() -> None:
    with pytest.raises(MalformedFrame, match="holds 3 bytes"):
        decode_lldp_frame(lldp_frame(b"\x01\x41\x2d"))


def test_a_frame_that_is_not_lldp_is_our_error() -> None:
    frame = bytearray(lldp_frame(VOICE_150))
    frame[12:14] = b"\x08\x00"
    with pytest.raises(MalformedFrame, match="not LLDP"):
        decode_lldp_frame(bytes(frame))


@given(
    st.integers(0, 255),
    st.booleans(),
    st.booleans(),
    st.integers(0, 4095),
    st.integers(0, 7),
    st.integers(0, 63),
)
def test_policies_round_trip(
    app: int, unknown: bool, tagged: bool, vlan: int, priority: int, dscp: int
) -> None:
    policy = NetworkPolicy(app, unknown, tagged, vlan, priority, dscp)
    assert decode_network_policy(encode_network_policy(policy)) == policy


@given(st.binary(max_size=120))
def test_any_bytes_after_the_header_give_policies_or_our_error(tail: bytes) -> None:
    frame = bytes.fromhex("0180c200000e020000000001") + b"\x88\xcc" + tail
    with contextlib.suppress(MalformedFrame):
        decode_lldp_frame(frame)


@given(st.binary(max_size=120))
def test_any_bytes_give_policies_or_our_error(data: bytes) -> None:
    with contextlib.suppress(MalformedFrame):
        decode_lldp_frame(data)


def test_every_cut_of_a_real_frame_gives_policies_or_our_error() -> None:
    frame = lldp_frame(VOICE_150)
    for end in range(len(frame)):
        with contextlib.suppress(MalformedFrame):
            decode_lldp_frame(frame[:end])


@given(st.binary(min_size=1, max_size=8), st.integers(0, 60))
def test_bytes_spliced_into_a_real_frame_give_policies_or_our_error(junk: bytes, at: int) -> None:
    frame = lldp_frame(VOICE_150)
    at = 14 + at % (len(frame) - 14)
    with contextlib.suppress(MalformedFrame):
        decode_lldp_frame(frame[:at] + junk + frame[at:])


def test_the_phone_announces_itself_as_a_class_iii_endpoint() -> None:
    frame = build_endpoint_frame("02:04:f2:00:01:50", system_name="CX600")
    packet = Ether(frame)
    assert packet.dst == "01:80:c2:00:00:0e" and packet.type == 0x88CC
    assert packet[LLDPDUChassisID].id == "02:04:f2:00:01:50"
    med = packet[LLDPDUGenericOrganisationSpecific]
    assert (med.org_code, med.subtype, bytes(med.data)) == (0x0012BB, 1, b"\x00\x03\x03")
    assert decode_lldp_frame(frame).policies == ()


def test_a_bad_mac_for_the_phone_s_frame_is_our_error() -> None:
    with pytest.raises(MalformedFrame, match="not a MAC address"):
        build_endpoint_frame("02:04:f2")
