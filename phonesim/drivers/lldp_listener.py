"""Listening for the switch's LLDP-MED on the phone's interface.

Only ever on an interface the user named (`--iface`, unless `--no-bring-up` or
`--no-lldp`). Two ways in: `LldpListener` hands the booting phone's core each network policy heard, for
as long as the core listens (its own timer ends it); `hear_lldp_med` is the
self-contained form, bounded by `timeout`, which also announces the phone as an
LLDP-MED endpoint every `announce_every` seconds (a switch may say nothing of
LLDP-MED before it hears one). Frames that cannot be read are counted, not
fatal: a neighbour's broken LLDPDU must not stop the boot.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from dataclasses import dataclass

from phonesim.codec.lldp_med import (
    ETHERTYPE_LLDP,
    LLDP_MULTICAST,
    LldpMed,
    build_endpoint_frame,
    decode_lldp_frame,
)
from phonesim.core.events import LldpPolicyHeard
from phonesim.drivers.bringup_link import PolicyHeard
from phonesim.drivers.dhcp_interface import PrivilegeNeeded
from phonesim.errors import MalformedFrame, UsageError

SOL_PACKET = 263
PACKET_ADD_MEMBERSHIP = 1
PACKET_MR_MULTICAST = 0
PACKET_OUTGOING = 4
_MAX_FRAME = 9000


@dataclass(frozen=True)
class LldpHeard:
    med: LldpMed
    """The policies of the first LLDP frame that had any."""
    switch_mac: str
    frames_seen: int
    malformed: tuple[str, ...]
    """Why frames heard before it could not be read (a switch or neighbour fault)."""


@dataclass(frozen=True)
class LldpSilence:
    frames_seen: int
    malformed: tuple[str, ...]


async def hear_lldp_med(
    interface: str,
    *,
    phone_mac: str,
    timeout: float,
    announce_every: float = 1.0,
    system_name: str | None = None,
) -> LldpHeard | LldpSilence:
    """The switch's LLDP-MED policies on `interface`, or what was heard by `timeout`."""
    announcement = build_endpoint_frame(phone_mac, system_name=system_name)
    sock = _lldp_socket(interface)
    loop = asyncio.get_running_loop()
    seen = 0
    malformed: list[str] = []

    async def announce() -> None:
        while True:
            # A link that is down loses this announcement; the next one tries again.
            with contextlib.suppress(OSError):
                await loop.sock_sendall(sock, announcement)
            await asyncio.sleep(announce_every)

    async def listen() -> LldpHeard:
        nonlocal seen
        while True:
            frame, address = await loop.sock_recvfrom(sock, 65535)
            if address[2] == PACKET_OUTGOING:
                continue  # our own announcements, or what this host sends itself
            if len(frame) < 14 or int.from_bytes(frame[12:14], "big") != ETHERTYPE_LLDP:
                continue
            seen += 1
            try:
                med = decode_lldp_frame(frame)
            except MalformedFrame as error:
                malformed.append(str(error))
                continue
            if med.policies:
                return LldpHeard(med, frame[6:12].hex(":"), seen, tuple(malformed))

    announcer = asyncio.create_task(announce())
    try:
        return await asyncio.wait_for(listen(), timeout)
    except TimeoutError:
        return LldpSilence(seen, tuple(malformed))
    finally:
        announcer.cancel()
        sock.close()


def _lldp_socket(interface: str) -> socket.socket:
    try:
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETHERTYPE_LLDP))
    except PermissionError:
        raise PrivilegeNeeded(
            "listening for LLDP-MED needs a packet socket, which needs root or CAP_NET_RAW: "
            "run phonesim with sudo"
        ) from None
    try:
        sock.bind((interface, 0))
        index = socket.if_nametoindex(interface)
        group = bytes.fromhex(LLDP_MULTICAST.replace(":", ""))
        membership = struct.pack("iHH8s", index, PACKET_MR_MULTICAST, len(group), group)
        sock.setsockopt(SOL_PACKET, PACKET_ADD_MEMBERSHIP, membership)
        sock.setblocking(False)
    except OSError as error:
        sock.close()
        raise UsageError(f"cannot listen for LLDP on {interface}: {error.strerror}") from None
    return sock


def network_policies(frame: bytes) -> list[LldpPolicyHeard]:
    """Every LLDP-MED network policy in an Ethernet frame, as the core's events (none in a
    frame of another kind, or one that cannot be read)."""
    if len(frame) < 14 or int.from_bytes(frame[12:14], "big") != ETHERTYPE_LLDP:
        return []
    try:
        med = decode_lldp_frame(frame)
    except MalformedFrame:
        return []
    switch = frame[6:12].hex(":")
    return [
        LldpPolicyHeard(
            application=policy.application_name.replace(" ", "-"),
            vlan_id=policy.vlan_id,
            tagged=policy.tagged,
            priority=policy.priority,
            dscp=policy.dscp,
            unknown_policy=policy.unknown,
            switch=switch,
        )
        for policy in med.policies
    ]


class LldpListener:
    """The booting phone's ear for LLDP: each policy heard goes to the core until it stops
    listening."""

    def __init__(self, interface: str) -> None:
        self.interface = interface
        self._socket: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self, heard: PolicyHeard) -> None:
        self._socket = _lldp_socket(self.interface)
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self._socket.fileno(), self._read, heard)

    def _read(self, heard: PolicyHeard) -> None:
        # The phone may stop listening inside `heard` (it got its VLAN): then nothing more.
        while self._socket is not None:
            try:
                frame, address = self._socket.recvfrom(_MAX_FRAME)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            if address[2] == PACKET_OUTGOING:
                continue
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


__all__ = ["LldpHeard", "LldpListener", "LldpSilence", "hear_lldp_med", "network_policies"]
