"""Listening for the switch's LLDP-MED on the phone's interface, bounded in time.

The phone announces itself as an LLDP-MED endpoint (a switch may say nothing
of LLDP-MED before it hears one) every `announce_every` seconds and reads
LLDP frames until one carries a Network Policy, or `timeout` passes. Frames
that cannot be read are counted, not fatal: a neighbour's broken LLDPDU must
not stop the boot. Only the interface the caller names is touched.
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
from phonesim.drivers.dhcp_interface import PrivilegeNeeded
from phonesim.errors import MalformedFrame, UsageError

SOL_PACKET = 263
PACKET_ADD_MEMBERSHIP = 1
PACKET_MR_MULTICAST = 0
PACKET_OUTGOING = 4


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
