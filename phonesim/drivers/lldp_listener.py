"""LLDP-MED heard on the interface the user named: a packet socket on ethertype 0x88cc.

Only ever on an interface the user named (`--iface` with `--bring-up`), and only listening:
phonesim sends no LLDP. scapy splits the frame into its TLVs; each LLDP-MED network
policy (TIA-1057 §10.2.3: organisationally specific TLV, OUI 00-12-BB, subtype 2) becomes
one `LldpPolicyHeard`. Its three bytes after the application type hold, from the top bit:
Unknown policy, Tagged, a reserved bit, the VLAN id (12 bits), the L2 priority (3) and
the DSCP (6).
"""

from __future__ import annotations

import asyncio
import socket

from phonesim.core.events import LldpPolicyHeard
from phonesim.drivers.bringup_link import PolicyHeard

ETH_P_LLDP = 0x88CC
TIA_OUI = 0x0012BB
NETWORK_POLICY = 2
APPLICATIONS = {
    1: "voice",
    2: "voice-signaling",
    3: "guest-voice",
    4: "guest-voice-signaling",
    5: "softphone-voice",
    6: "video-conferencing",
    7: "streaming-video",
    8: "video-signaling",
}
_MAX_FRAME = 9000


def network_policies(frame: bytes) -> list[LldpPolicyHeard]:
    """Every LLDP-MED network policy in an Ethernet frame (none in a frame of another kind)."""
    from phonesim.codec.scapy_cache import avoid_unusable_scapy_cache

    avoid_unusable_scapy_cache()
    from scapy.contrib.lldp import LLDPDUGenericOrganisationSpecific
    from scapy.layers.l2 import Ether

    packet = Ether(frame)
    switch = str(packet.src)
    found = []
    layer = packet.getlayer(LLDPDUGenericOrganisationSpecific)
    index = 1
    while layer is not None:
        data = bytes(layer.data)
        if layer.org_code == TIA_OUI and layer.subtype == NETWORK_POLICY and len(data) >= 4:
            bits = int.from_bytes(data[1:4], "big")
            found.append(
                LldpPolicyHeard(
                    application=APPLICATIONS.get(data[0], f"type-{data[0]}"),
                    unknown_policy=bool(bits >> 23 & 1),
                    tagged=bool(bits >> 22 & 1),
                    vlan_id=bits >> 9 & 0xFFF,
                    priority=bits >> 6 & 0x7,
                    dscp=bits & 0x3F,
                    switch=switch,
                )
            )
        index += 1
        layer = packet.getlayer(LLDPDUGenericOrganisationSpecific, nb=index)
    return found


class LldpListener:
    def __init__(self, interface: str) -> None:
        self.interface = interface
        self._socket: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self, heard: PolicyHeard) -> None:
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_LLDP))
        sock.bind((self.interface, ETH_P_LLDP))
        sock.setblocking(False)
        self._socket = sock
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(sock.fileno(), self._read, heard)

    def _read(self, heard: PolicyHeard) -> None:
        # The phone may stop listening inside `heard` (it got its VLAN): then nothing more.
        while self._socket is not None:
            try:
                frame = self._socket.recv(_MAX_FRAME)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            for policy in network_policies(frame):
                if self._socket is None:
                    return
                heard(policy)

    def stop(self) -> None:
        if self._socket is not None:
            if self._loop is not None:
                self._loop.remove_reader(self._socket.fileno())
            self._socket.close()
            self._socket = None


__all__ = ["ETH_P_LLDP", "LldpListener", "network_policies"]
