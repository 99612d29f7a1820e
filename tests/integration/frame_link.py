"""Whole Ethernet frames in and out of one interface, for tests that play a client.

A packet socket (bound to one interface of the root namespace, or opened in a
test namespace by a process started there) sends frames as given and reads
what arrives, skipping what it sent itself. Every read is bounded.
"""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Callable
from pathlib import Path

from tests.netns import Namespace, wait_until

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


class FrameLink:
    def __init__(self, interface: str) -> None:
        self.interface = interface
        self.mac = Path(f"/sys/class/net/{interface}/address").read_text().strip()
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.sock.bind((interface, 0))

    def send(self, frame: bytes) -> None:
        self.sock.send(frame)

    def receive(self, wanted: Callable[[bytes], bool], *, timeout: float) -> bytes | None:
        """The first arriving frame `wanted` accepts, or None after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self.sock], [], [], left)
            if not ready:
                break
            frame, address = self.sock.recvfrom(65535)
            if address[2] != PACKET_OUTGOING and wanted(frame):
                return frame
        return None

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> FrameLink:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def switch_vlan(ns: Namespace, vlan_id: int, name: str, address: str, workdir: Path) -> str:
    """VLAN `vlan_id` of the namespace's end of the veth, as a switch port would carry it:
    a `vlan_bridge` process in the namespace, its TAP `name` holding `address` (CIDR)."""
    log = workdir / f"vlan-{name}.log"
    process = ns.start(
        [
            str(Path(_python())),
            "-m",
            "phonesim.drivers.vlan_bridge",
            ns.ns_link,
            str(vlan_id),
            "--name",
            name,
        ],
        log,
    )
    wait_until(
        lambda: "ready" in log.read_text(),
        timeout=20,
        what=f"vlan_bridge {name}",
        process=process,
        log=log,
    )
    ns.run("ip", "addr", "add", address, "dev", name)
    return name


def _python() -> str:
    import sys

    return sys.executable
