"""Finding the UDP datagrams that matter (DHCP, DNS) in captured frames, without scapy.

A site capture is mostly voice, video and file traffic; dissecting every frame
with scapy costs tens of microseconds each, so the skim reads just enough of
each header to decide. The layouts are those of the tcpdump link types
(https://www.tcpdump.org/linktypes.html); tests check this reading against
scapy's own dissection of the same frames.
"""

from __future__ import annotations

from dataclasses import dataclass

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW_BSD = 12
"""DLT_RAW as some BSDs number it: the frame is an IP packet."""
LINKTYPE_RAW = 101
LINKTYPE_LINUX_SLL = 113
LINKTYPE_IPV4 = 228
LINKTYPE_LINUX_SLL2 = 276

LINK_TYPE_NAMES = {
    LINKTYPE_ETHERNET: "Ethernet",
    LINKTYPE_RAW_BSD: "raw IP",
    LINKTYPE_RAW: "raw IP",
    LINKTYPE_LINUX_SLL: "Linux cooked (SLL)",
    LINKTYPE_IPV4: "raw IPv4",
    LINKTYPE_LINUX_SLL2: "Linux cooked v2 (SLL2)",
}
SUPPORTED_LINK_TYPES = frozenset(LINK_TYPE_NAMES)

ETHERTYPE_IPV4 = 0x0800
ETHERTYPE_VLAN = 0x8100
ETHERTYPE_QINQ = 0x88A8
ETHERTYPE_QINQ_LEGACY = 0x9100
"""Pre-802.1ad QinQ tag type still sent by older switches."""
_VLAN_TYPES = (ETHERTYPE_VLAN, ETHERTYPE_QINQ, ETHERTYPE_QINQ_LEGACY)
MAX_VLAN_TAGS = 8

IP_PROTOCOL_UDP = 17
DHCP_PORTS = (67, 68)
DNS_PORT = 53
_WANTED_PORTS = frozenset((*DHCP_PORTS, DNS_PORT))


@dataclass(frozen=True, slots=True)
class UdpDatagram:
    """One UDP datagram found in a frame, with the VLAN tags it travelled in."""

    source: str
    destination: str
    source_port: int
    destination_port: int
    payload: bytes
    vlans: tuple[int, ...] = ()
    """VLAN IDs from the outermost tag inward; empty when untagged."""

    @property
    def is_dhcp(self) -> bool:
        return self.source_port in DHCP_PORTS or self.destination_port in DHCP_PORTS

    @property
    def is_dns(self) -> bool:
        return DNS_PORT in (self.source_port, self.destination_port)


class Skipped:
    """Why a frame gave no datagram, for the skim's counters (no allocation per frame)."""

    NOT_IPV4 = "not IPv4"
    NOT_UDP = "not UDP"
    OTHER_PORTS = "other ports"
    FRAGMENT = "IP fragment"
    SHORT = "cut short"
    LINK_TYPE = "unsupported link type"


def find_udp(linktype: int, frame: bytes) -> UdpDatagram | str:
    """The DHCP or DNS datagram in `frame`, or the reason (a `Skipped` value) there is none.

    Never raises: a capture holds whatever was on the wire, including frames
    cut by the snap length and garbage.
    """
    vlans: list[int] = []
    if linktype == LINKTYPE_ETHERNET:
        ethertype_at = 12
    elif linktype == LINKTYPE_LINUX_SLL:
        ethertype_at = 14
    elif linktype == LINKTYPE_LINUX_SLL2:
        ethertype_at = 0
    elif linktype in (LINKTYPE_RAW, LINKTYPE_RAW_BSD, LINKTYPE_IPV4):
        return _ipv4_udp(frame, 0, ())
    else:
        return Skipped.LINK_TYPE
    if len(frame) < ethertype_at + 2:
        return Skipped.SHORT
    ethertype = (frame[ethertype_at] << 8) | frame[ethertype_at + 1]
    # SLL2 puts the protocol first and the addresses after it: the payload starts at 20.
    position = 20 if linktype == LINKTYPE_LINUX_SLL2 else ethertype_at + 2
    while ethertype in _VLAN_TYPES:
        if len(frame) < position + 4 or len(vlans) == MAX_VLAN_TAGS:
            return Skipped.SHORT
        vlans.append(((frame[position] << 8) | frame[position + 1]) & 0x0FFF)
        ethertype = (frame[position + 2] << 8) | frame[position + 3]
        position += 4
    if ethertype != ETHERTYPE_IPV4:
        return Skipped.NOT_IPV4
    return _ipv4_udp(frame, position, tuple(vlans))


def _ipv4_udp(frame: bytes, start: int, vlans: tuple[int, ...]) -> UdpDatagram | str:
    if len(frame) < start + 20:
        return Skipped.SHORT
    first = frame[start]
    if first >> 4 != 4:
        return Skipped.NOT_IPV4
    header_length = (first & 0x0F) * 4
    if header_length < 20:
        return Skipped.NOT_IPV4
    if frame[start + 9] != IP_PROTOCOL_UDP:
        return Skipped.NOT_UDP
    if ((frame[start + 6] << 8) | frame[start + 7]) & 0x3FFF:
        # More-fragments flag or a fragment offset: only a reassembled datagram is whole.
        return Skipped.FRAGMENT
    udp = start + header_length
    if len(frame) < udp + 8:
        return Skipped.SHORT
    source_port = (frame[udp] << 8) | frame[udp + 1]
    destination_port = (frame[udp + 2] << 8) | frame[udp + 3]
    if source_port not in _WANTED_PORTS and destination_port not in _WANTED_PORTS:
        return Skipped.OTHER_PORTS
    udp_length = (frame[udp + 4] << 8) | frame[udp + 5]
    if udp_length < 8:
        return Skipped.SHORT
    # Trailing bytes after the IP total length (Ethernet padding) and after the
    # UDP length are not payload, as scapy reads them too.
    total_length = (frame[start + 2] << 8) | frame[start + 3]
    end = start + total_length if total_length >= header_length else len(frame)
    payload = frame[udp + 8 : min(end, udp + udp_length)]
    return UdpDatagram(
        source=_ipv4_text(frame, start + 12),
        destination=_ipv4_text(frame, start + 16),
        source_port=source_port,
        destination_port=destination_port,
        payload=bytes(payload),
        vlans=vlans,
    )


def _ipv4_text(frame: bytes, at: int) -> str:
    return f"{frame[at]}.{frame[at + 1]}.{frame[at + 2]}.{frame[at + 3]}"
