"""The LLDP-MED Network Policy a switch announces: which VLAN the phone's voice goes on.

A CX600 or 6725ip listens for LLDP-MED before it asks DHCP for its VLAN
(protocol.md §0). The Network Policy TLV (TIA-1057 §10.2.3: organisation
00-12-BB, subtype 2) carries, per application, the flags Unknown and Tagged,
a VLAN ID, an 802.1p priority and a DSCP. Only a voice policy that is known
and tagged moves the phone: with Tagged off the switch means "untagged on the
native VLAN", and the phone stays where it is (TIA-1057 says to ignore the
VLAN ID then), which is how lldpd sends a policy configured without `tagged`.

scapy's `scapy.contrib.lldp` splits the frame into TLVs (it has no layer for
the policy itself; its four bytes are read here). scapy's own complaints
about a frame become MalformedFrame.

A switch need not send LLDP-MED TLVs until it has heard an LLDP-MED endpoint
on the port (TIA-1057 §8), so the phone announces itself first:
`build_endpoint_frame` is its LLDPDU as a Class III (communication device)
endpoint.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from phonesim.errors import MalformedFrame

ETHERTYPE_LLDP = 0x88CC
TIA_TR41_MED = 0x0012BB
NETWORK_POLICY = 2
POLICY_LENGTH = 4
VOICE = 1
APPLICATIONS = {
    1: "voice",
    2: "voice signaling",
    3: "guest voice",
    4: "guest voice signaling",
    5: "softphone voice",
    6: "video conferencing",
    7: "streaming video",
    8: "video signaling",
}
_POLICY = struct.Struct("!BHB")
LLDP_MULTICAST = "01:80:c2:00:00:0e"
"""Nearest bridge: the address a switch port listens on and sends to."""
MED_CAPABILITIES = 1
CAPABILITY_MED = 0x01
CAPABILITY_NETWORK_POLICY = 0x02
CLASS_III_ENDPOINT = 3


@dataclass(frozen=True)
class NetworkPolicy:
    application: int
    unknown: bool
    """The switch has no policy for this application (the rest means nothing)."""
    tagged: bool
    vlan_id: int
    priority: int
    """802.1p (L2) priority, 0-7."""
    dscp: int

    @property
    def application_name(self) -> str:
        return APPLICATIONS.get(self.application, f"application {self.application}")

    @property
    def moves_the_phone(self) -> bool:
        """A known, tagged policy with a real VLAN ID: the phone tags its frames with it."""
        return not self.unknown and self.tagged and 1 <= self.vlan_id <= 4094

    def describe(self) -> str:
        if self.unknown:
            return f"{self.application_name}: policy unknown"
        tagged = "tagged" if self.tagged else "not tagged (ignored)"
        return (
            f"{self.application_name}: VLAN {self.vlan_id} {tagged}, "
            f"priority {self.priority}, DSCP {self.dscp}"
        )


@dataclass(frozen=True)
class LldpMed:
    policies: tuple[NetworkPolicy, ...]

    def policy(self, application: int = VOICE) -> NetworkPolicy | None:
        return next((p for p in self.policies if p.application == application), None)

    @property
    def voice_vlan(self) -> int | None:
        """The VLAN the phone moves to, or None when the switch gave it none it may use."""
        voice = self.policy(VOICE)
        return voice.vlan_id if voice is not None and voice.moves_the_phone else None


def decode_network_policy(data: bytes) -> NetworkPolicy:
    """The four bytes after the Network Policy TLV's OUI and subtype."""
    if len(data) != POLICY_LENGTH:
        raise MalformedFrame(
            f"LLDP-MED network policy holds {len(data)} bytes; TIA-1057 gives it {POLICY_LENGTH}"
        )
    application, middle, low = _POLICY.unpack(data)
    bits = (middle << 8) | low
    return NetworkPolicy(
        application=application,
        unknown=bool(bits & 0x800000),
        tagged=bool(bits & 0x400000),
        vlan_id=(bits >> 9) & 0x0FFF,
        priority=(bits >> 6) & 0x07,
        dscp=bits & 0x3F,
    )


def encode_network_policy(policy: NetworkPolicy) -> bytes:
    """The TLV's four policy bytes, for test switches and the lab."""
    bits = (
        (policy.unknown << 23)
        | (policy.tagged << 22)
        | ((policy.vlan_id & 0x0FFF) << 9)
        | ((policy.priority & 0x07) << 6)
        | (policy.dscp & 0x3F)
    )
    return _POLICY.pack(policy.application, bits >> 8, bits & 0xFF)


def decode_lldp_frame(frame: bytes) -> LldpMed:
    """Every LLDP-MED Network Policy in an LLDP Ethernet frame, in the order sent."""
    if len(frame) < 14:
        raise MalformedFrame(f"{len(frame)} bytes is shorter than an Ethernet header")
    ethertype = int.from_bytes(frame[12:14], "big")
    if ethertype != ETHERTYPE_LLDP:
        raise MalformedFrame(f"ethertype 0x{ethertype:04x} is not LLDP (0x88cc)", 12)
    from scapy.contrib.lldp import LLDPDUGenericOrganisationSpecific
    from scapy.error import Scapy_Exception
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw

    try:
        packet = Ether(frame)
    except Scapy_Exception as error:
        raise MalformedFrame(f"LLDP: {error}") from None
    except (ValueError, IndexError, struct.error) as error:
        raise MalformedFrame(f"LLDP TLVs cannot be read: {error}") from None
    policies = []
    for layer in packet.iterpayloads():
        if isinstance(layer, Raw) and layer.load.strip(b"\x00"):
            raise MalformedFrame("LLDP TLVs end in bytes that are no TLV")
        if not isinstance(layer, LLDPDUGenericOrganisationSpecific):
            continue
        if layer.org_code == TIA_TR41_MED and layer.subtype == NETWORK_POLICY:
            policies.append(decode_network_policy(bytes(layer.data)))
    return LldpMed(tuple(policies))


def build_endpoint_frame(mac: str, *, ttl: int = 120, system_name: str | None = None) -> bytes:
    """The phone's LLDPDU: chassis and port ID its MAC, TTL, LLDP-MED capabilities
    (LLDP-MED and Network Policy, Class III endpoint), to the nearest-bridge address."""
    from scapy.contrib.lldp import (
        LLDPDUChassisID,
        LLDPDUEndOfLLDPDU,
        LLDPDUGenericOrganisationSpecific,
        LLDPDUPortID,
        LLDPDUSystemName,
        LLDPDUTimeToLive,
    )
    from scapy.layers.l2 import Ether

    if not 0 <= ttl <= 0xFFFF:
        raise MalformedFrame(f"LLDP TTL {ttl} is outside 0..65535")
    try:
        hardware = bytes.fromhex(mac.replace(":", "").replace("-", ""))
    except ValueError:
        hardware = b""
    if len(hardware) != 6:
        raise MalformedFrame(f"{mac!r} is not a MAC address like 00:04:f2:12:34:56")
    capabilities = struct.pack(
        "!HB", CAPABILITY_MED | CAPABILITY_NETWORK_POLICY, CLASS_III_ENDPOINT
    )
    frame = (
        Ether(dst=LLDP_MULTICAST, src=hardware, type=ETHERTYPE_LLDP)
        / LLDPDUChassisID(subtype=LLDPDUChassisID.SUBTYPE_MAC_ADDRESS, id=hardware)
        / LLDPDUPortID(subtype=LLDPDUPortID.SUBTYPE_MAC_ADDRESS, id=hardware)
        / LLDPDUTimeToLive(ttl=ttl)
    )
    if system_name:
        frame = frame / LLDPDUSystemName(system_name=system_name.encode())
    frame = frame / LLDPDUGenericOrganisationSpecific(
        org_code=TIA_TR41_MED, subtype=MED_CAPABILITIES, data=capabilities
    )
    return bytes(frame / LLDPDUEndOfLLDPDU())
