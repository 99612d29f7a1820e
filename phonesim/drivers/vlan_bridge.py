"""A VLAN interface made in user space, for kernels without 802.1Q.

`ip link add link eth1 name eth1.150 type vlan id 150` fails on kernels built
without 802.1Q ("Unknown device type"), and VLAN-filtering bridges are missing
too. This stands in for such an interface: a TAP device whose outgoing frames
are tagged with the VLAN ID and sent out of the parent through a packet
socket, while tagged frames for that VLAN arriving on the parent are untagged
and written to the TAP. Anything using the TAP (a DHCP server, the phone's
own packet socket, the kernel's IP stack) sees a plain Ethernet link on that
VLAN. The phone and a test's switch side both use it.

The receiving kernel moves a frame's tag out of the frame into its metadata
before packet sockets see it, so the tag is read back from PACKET_AUXDATA
(as libpcap does); a frame whose tag is still inline is read as it is.

One thread moves frames both ways and stops within a bounded time on close().
"""

from __future__ import annotations

import argparse
import fcntl
import os
import select
import signal
import socket
import struct
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from phonesim.codec.vlan_tag import MAX_VLAN, MIN_VLAN, add_vlan_tag, remove_vlan_tag
from phonesim.drivers.dhcp_interface import PrivilegeNeeded
from phonesim.errors import MalformedFrame, UsageError

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_ADD_MEMBERSHIP = 1
PACKET_MR_PROMISC = 1
PACKET_AUXDATA = 8
PACKET_OUTGOING = 4
TP_STATUS_VLAN_VALID = 1 << 4
TP_STATUS_VLAN_TPID_VALID = 1 << 6
_AUXDATA = struct.Struct("IIIHHHH")
TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
IFF_UP = 0x1
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
SIOCSIFHWADDR = 0x8924
ARPHRD_ETHER = 1
_MAX_FRAME = 65535
DRAIN_AT_CLOSE = 64
"""Frames still queued on the TAP that close() sends on before it stops."""
STOP_WITHIN = 2.0
"""Seconds close() waits for the frame thread."""


@dataclass
class VlanInterface:
    """A TAP device `name` standing for VLAN `vlan_id` on `parent`."""

    name: str
    parent: str
    vlan_id: int
    priority: int
    _tap: int
    _trunk: socket.socket
    _stop_read: int
    _stop_write: int
    frames_tagged: int = 0
    frames_untagged: int = 0
    _thread: threading.Thread | None = field(default=None, repr=False)

    def close(self) -> None:
        """Stop moving frames and remove the TAP device (it goes with its descriptor)."""
        if self._thread is None:
            return
        os.write(self._stop_write, b"x")
        self._thread.join(STOP_WITHIN)
        self._thread = None
        for fd in (self._tap, self._stop_read, self._stop_write):
            os.close(fd)
        self._trunk.close()

    def __enter__(self) -> VlanInterface:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _run(self) -> None:
        trunk = self._trunk.fileno()
        while True:
            ready, _, _ = select.select([trunk, self._tap, self._stop_read], [], [])
            if self._stop_read in ready:
                self._drain_tap()
                return
            if trunk in ready:
                self._from_trunk()
            if self._tap in ready:
                self._from_tap()

    def _from_trunk(self) -> None:
        try:
            frame, ancillary, _flags, address = self._trunk.recvmsg(
                _MAX_FRAME, socket.CMSG_SPACE(_AUXDATA.size)
            )
        except BlockingIOError:
            return
        if address[2] == PACKET_OUTGOING:
            return
        vlan_id = _vlan_from_auxdata(ancillary)
        try:
            if vlan_id is None:
                tag, frame = remove_vlan_tag(frame)
                vlan_id = tag.vlan_id if tag else None
        except MalformedFrame:
            return
        if vlan_id != self.vlan_id:
            return
        try:
            os.write(self._tap, frame)
            self.frames_untagged += 1
        except OSError:
            pass  # the TAP is down or full: a switch drops the frame too

    def _drain_tap(self) -> None:
        """What the phone sent just before closing (its DHCPRELEASE) still leaves: a
        frame written to a TAP is on the wire for the sender. Bounded, as the TAP is."""
        for _ in range(DRAIN_AT_CLOSE):
            try:
                frame = os.read(self._tap, _MAX_FRAME)
            except OSError:
                return
            self._send_tagged(frame)

    def _from_tap(self) -> None:
        try:
            frame = os.read(self._tap, _MAX_FRAME)
        except OSError:
            return
        self._send_tagged(frame)

    def _send_tagged(self, frame: bytes) -> None:
        try:
            tagged = add_vlan_tag(frame, self.vlan_id, priority=self.priority)
            self._trunk.send(tagged)
            self.frames_tagged += 1
        except (OSError, MalformedFrame):
            pass  # a runt from the TAP, or the parent went down: dropped, as on a wire


def _vlan_from_auxdata(ancillary: list[tuple[int, int, bytes]]) -> int | None:
    for level, kind, data in ancillary:
        if level == SOL_PACKET and kind == PACKET_AUXDATA and len(data) >= _AUXDATA.size:
            status, _len, _snap, _mac, _net, tci, _tpid = _AUXDATA.unpack_from(data)
            if status & TP_STATUS_VLAN_VALID:
                return int(tci & 0x0FFF)
    return None


def open_vlan(
    parent: str,
    vlan_id: int,
    *,
    name: str | None = None,
    mac: str | None = None,
    priority: int = 0,
) -> VlanInterface:
    """A TAP device `name` (default `<parent>.<vlan_id>`, cut to 15 characters) on VLAN
    `vlan_id` of `parent`, up, with IPv6 off so it sends nothing on its own."""
    if not MIN_VLAN <= vlan_id <= MAX_VLAN:
        raise UsageError(f"VLAN {vlan_id} is outside {MIN_VLAN}..{MAX_VLAN}")
    if not 0 <= priority <= 7:
        raise UsageError(f"802.1p priority {priority} is outside 0..7")
    name = name or f"{parent}.{vlan_id}"[:15]
    try:
        socket.if_nametoindex(parent)
    except OSError:
        raise UsageError(f"cannot open VLAN {vlan_id} on {parent}: no such interface") from None
    trunk = _trunk_socket(parent, vlan_id)
    try:
        tap = _tap_device(name, mac)
    except BaseException:
        trunk.close()
        raise
    stop_read, stop_write = os.pipe()
    interface = VlanInterface(name, parent, vlan_id, priority, tap, trunk, stop_read, stop_write)
    interface._thread = threading.Thread(
        target=interface._run, name=f"vlan {vlan_id} on {parent}", daemon=True
    )
    interface._thread.start()
    return interface


def _trunk_socket(parent: str, vlan_id: int) -> socket.socket:
    try:
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    except PermissionError:
        raise PrivilegeNeeded(
            f"VLAN {vlan_id} on {parent} is made with a packet socket and a TAP device, "
            "which need root (CAP_NET_RAW, CAP_NET_ADMIN): run phonesim with sudo"
        ) from None
    try:
        sock.bind((parent, 0))
        sock.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
        # Frames for the TAP's MAC arrive on the parent, which does not know that MAC.
        index = socket.if_nametoindex(parent)
        membership = struct.pack("iHH8s", index, PACKET_MR_PROMISC, 0, b"")
        sock.setsockopt(SOL_PACKET, PACKET_ADD_MEMBERSHIP, membership)
        sock.setblocking(False)
    except OSError as error:
        sock.close()
        raise UsageError(f"cannot open VLAN {vlan_id} on {parent}: {error.strerror}") from None
    return sock


def _tap_device(name: str, mac: str | None) -> int:
    try:
        tap = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    except OSError as error:
        raise UsageError(f"cannot make TAP device {name}: /dev/net/tun: {error.strerror}") from None
    try:
        fcntl.ioctl(tap, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI))
        control = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            if mac is not None:
                hardware = bytes.fromhex(mac.replace(":", "").replace("-", ""))
                fcntl.ioctl(
                    control,
                    SIOCSIFHWADDR,
                    struct.pack("16sH14s", name.encode(), ARPHRD_ETHER, hardware),
                )
            _ipv6_off(name)
            flags = struct.unpack_from(
                "16sH", fcntl.ioctl(control, SIOCGIFFLAGS, struct.pack("16sH", name.encode(), 0))
            )[1]
            fcntl.ioctl(control, SIOCSIFFLAGS, struct.pack("16sH", name.encode(), flags | IFF_UP))
        finally:
            control.close()
    except (OSError, ValueError) as error:
        os.close(tap)
        reason = error.strerror if isinstance(error, OSError) else str(error)
        raise UsageError(f"cannot make TAP device {name}: {reason}") from None
    return tap


def _ipv6_off(name: str) -> None:
    """No router solicitations or MLD reports from a link nobody asked to speak IPv6."""
    setting = Path(f"/proc/sys/net/ipv6/conf/{name}/disable_ipv6")
    if setting.exists():
        setting.write_text("1\n")


def main(argv: list[str] | None = None) -> int:
    """Hold a VLAN interface open until SIGTERM or SIGINT (a lab's or a test's switch side)."""
    parser = argparse.ArgumentParser(
        prog="python -m phonesim.drivers.vlan_bridge",
        description="Make a TAP device that stands for an 802.1Q VLAN of PARENT, "
        "on kernels without 802.1Q support; runs until interrupted.",
    )
    parser.add_argument("parent", help="the interface that carries the tagged frames")
    parser.add_argument("vlan_id", type=int, help="VLAN ID, 1-4094")
    parser.add_argument("--name", help="the TAP device's name (default PARENT.VLAN)")
    parser.add_argument("--mac", help="the TAP device's MAC (default: a random one)")
    parser.add_argument("--priority", type=int, default=0, help="802.1p priority (default 0)")
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        vlan = open_vlan(
            args.parent, args.vlan_id, name=args.name, mac=args.mac, priority=args.priority
        )
    except UsageError as error:
        print(f"vlan_bridge: {error}", file=sys.stderr)
        return 2
    print(f"ready {vlan.name}", flush=True)
    with vlan:
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
