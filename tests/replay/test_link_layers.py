"""The skim's cheap header reading finds exactly the datagrams scapy's full dissection finds."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from phonesim.codec.link_layers import (
    LINKTYPE_ETHERNET,
    LINKTYPE_IPV4,
    LINKTYPE_LINUX_SLL,
    LINKTYPE_LINUX_SLL2,
    LINKTYPE_RAW,
    Skipped,
    UdpDatagram,
    find_udp,
)

EXAMPLES = settings(max_examples=300, deadline=None)
PORTS = st.one_of(st.sampled_from([53, 67, 68]), st.integers(min_value=1, max_value=65535))


def scapy_view(linktype: int, frame: bytes) -> UdpDatagram | str:
    """What scapy's own dissection says about the frame, in find_udp's terms."""
    from scapy.config import conf
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Dot1AD, Dot1Q
    from scapy.packet import NoPayload, Padding

    packet = conf.l2types.num2layer[linktype](frame)
    if IP not in packet:
        return "no IP"
    ip = packet[IP]
    if ip.proto != 17:
        return Skipped.NOT_UDP
    if ip.flags.MF or ip.frag:
        return Skipped.FRAGMENT
    udp = packet[UDP]
    if not ({udp.sport, udp.dport} & {53, 67, 68}):
        return Skipped.OTHER_PORTS
    payload = udp.payload
    data = b"" if isinstance(payload, NoPayload | Padding) else bytes(payload.original)
    vlans = []
    layer: Any = packet
    while layer is not None and not isinstance(layer, NoPayload):
        if isinstance(layer, Dot1Q | Dot1AD):
            vlans.append(int(layer.vlan))
        layer = layer.payload if not isinstance(layer, IP) else None
    return UdpDatagram(
        source=ip.src,
        destination=ip.dst,
        source_port=int(udp.sport),
        destination_port=int(udp.dport),
        payload=data,
        vlans=tuple(vlans),
    )


@st.composite
def frames(draw: st.DrawFn) -> tuple[int, bytes, int]:
    """Well-formed frames of every supported link type, UDP or not, tagged or not, padded.

    Returns (link type, frame, where the transport payload starts).
    """
    from scapy.layers.inet import IP, TCP, UDP
    from scapy.layers.l2 import CookedLinux, CookedLinuxV2, Dot1AD, Dot1Q, Ether
    from scapy.packet import Raw

    payload = draw(st.binary(max_size=400))
    sport, dport = draw(PORTS), draw(PORTS)
    transport: Any = (
        UDP(sport=sport, dport=dport) if draw(st.booleans()) else TCP(sport=sport, dport=dport)
    )
    fragment = draw(st.sampled_from([(0, 0), (0, 0), (0, 0), (1, 0), (0, 5)]))
    ip = (
        IP(
            src=draw(st.ip_addresses(v=4).map(str)),
            dst=draw(st.ip_addresses(v=4).map(str)),
            flags=fragment[0],
            frag=fragment[1],
            options=draw(st.sampled_from([[], [b"\x01\x01\x01\x00"]])),
        )
        / transport
        / Raw(payload)
    )
    linktype = draw(
        st.sampled_from(
            [
                LINKTYPE_ETHERNET,
                LINKTYPE_LINUX_SLL,
                LINKTYPE_LINUX_SLL2,
                LINKTYPE_RAW,
                LINKTYPE_IPV4,
            ]
        )
    )
    if linktype == LINKTYPE_ETHERNET:
        # Untagged, 802.1Q, 802.1Q in 802.1Q, and QinQ (802.1ad outer tag, 802.1Q inner).
        stack = draw(st.sampled_from([(), (Dot1Q,), (Dot1Q, Dot1Q), (Dot1AD, Dot1Q)]))
        frame: Any = Ether(src="00:04:f2:00:00:01", dst="ff:ff:ff:ff:ff:ff")
        for tag in stack:
            frame = frame / tag(vlan=draw(st.integers(0, 4095)))
        frame = frame / ip
    elif linktype == LINKTYPE_LINUX_SLL:
        frame = CookedLinux(pkttype=4, lladdrtype=1, lladdrlen=6, proto=0x0800) / ip
        if draw(st.booleans()):
            frame = (
                CookedLinux(pkttype=0, lladdrtype=1, lladdrlen=6, proto=0x8100)
                / Dot1Q(vlan=draw(st.integers(0, 4095)))
                / ip
            )
    elif linktype == LINKTYPE_LINUX_SLL2:
        frame = CookedLinuxV2(proto=0x0800, ifindex=2, lladdrtype=1, lladdrlen=6) / ip
    else:
        frame = ip
    raw = bytes(frame)
    payload_at = len(raw) - len(payload)
    # Ethernet pads short frames; whatever follows the IP datagram is not payload.
    raw += draw(st.binary(max_size=12))
    return linktype, raw, payload_at


@EXAMPLES
@given(frames())
def test_find_udp_agrees_with_scapy_dissection(case: tuple[int, bytes, int]) -> None:
    linktype, frame, _ = case
    ours = find_udp(linktype, frame)
    theirs = scapy_view(linktype, frame)
    if isinstance(theirs, UdpDatagram):
        assert ours == theirs
    else:
        assert isinstance(ours, str), f"found {ours} where scapy sees {theirs}"
        if theirs in (Skipped.FRAGMENT, Skipped.OTHER_PORTS):
            assert ours == theirs


@EXAMPLES
@given(frames(), st.data())
def test_a_frame_cut_by_the_snap_length_keeps_what_was_captured(
    case: tuple[int, bytes, int], data: st.DataObject
) -> None:
    linktype, frame, payload_at = case
    whole = find_udp(linktype, frame)
    if not isinstance(whole, UdpDatagram) or not whole.payload:
        return
    cut = data.draw(st.integers(1, len(whole.payload)))
    shorter = frame[: payload_at + len(whole.payload) - cut]
    found = find_udp(linktype, shorter)
    assert isinstance(found, UdpDatagram)
    assert found.payload == whole.payload[: len(whole.payload) - cut]
    assert found == scapy_view(linktype, shorter)


def test_legacy_qinq_tag_0x9100_reads_like_802_1ad() -> None:
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Dot1AD, Dot1Q, Ether
    from scapy.packet import Raw

    inner = (
        Dot1Q(vlan=100)
        / IP(src="192.0.2.100", dst="255.255.255.255")
        / UDP(sport=68, dport=67)
        / Raw(b"dhcp")
    )
    macs = {"src": "00:04:f2:00:00:01", "dst": "ff:ff:ff:ff:ff:ff"}
    standard = bytes(Ether(type=0x88A8, **macs) / Dot1AD(vlan=200, type=0x8100) / inner)
    legacy = bytes(Ether(type=0x9100, **macs) / Dot1AD(vlan=200, type=0x8100) / inner)
    assert find_udp(LINKTYPE_ETHERNET, legacy) == find_udp(LINKTYPE_ETHERNET, standard)
    found = find_udp(LINKTYPE_ETHERNET, legacy)
    assert isinstance(found, UdpDatagram) and found.vlans == (200, 100)


def test_an_unsupported_link_type_is_named_not_guessed() -> None:
    assert find_udp(105, b"\x00" * 64) == Skipped.LINK_TYPE  # 802.11


@settings(max_examples=500, deadline=None)
@given(st.sampled_from([1, 12, 101, 113, 228, 276, 0, 105]), st.binary(max_size=200))
def test_arbitrary_bytes_never_raise(linktype: int, frame: bytes) -> None:
    found = find_udp(linktype, frame)
    assert isinstance(found, str | UdpDatagram)
