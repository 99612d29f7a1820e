"""Answers per second from Kea to DORA: ISC's perfdhcp and phonesim's DORA client, in turn.

A network namespace holds Kea DHCPv4, configured from `phonesim dhcp-config
--pool` (the phones' options and a pool to lease). From the host end of the
veth, runs alternate within one invocation: perfdhcp (relayed DORA at a rate Kea
cannot keep up with, as `kea_storm.py` runs it) and phonesim's DORA client
(DISCOVER, OFFER, REQUEST, ACK from MACs of its own, each
broadcast as a whole frame through a packet socket, `--window` exchanges in
flight), each with `--clients` clients (100; both together within the pool's
201 addresses). Each run lasts a bounded time. Prints each run and the medians:
Kea's answered packets (OFFERs and ACKs) per second under each, and the ratio.

phonesim's client here is `DoraLoad`: the codec's builders stamped per
exchange (`codec/dhcp_lease.py`) and `build_udp_frame`. The fleet does not
take leases yet; once `phonesim fleet --stage lease` exists, `phonesim_run`
is the one function to replace (as `kea_storm.py` drives its INFORM fleet).

Needs root, kea-dhcp4 and perfdhcp (Debian: kea-dhcp4-server, kea-admin).
Run from the repository root:

    sudo python benchmarks/dora_vs_perfdhcp.py [--runs 3] [--seconds 8]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import select
import socket
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import re
import subprocess

from phonesim.cli import main as phonesim_main
from phonesim.codec.dhcp_lease import build_discover, build_request
from phonesim.codec.udp_frame import build_udp_frame
from tests.interop.servers import start_dhcp_server, wait_for_dhcp
from tests.netns import Namespace, namespace

ETH_P_IP = 0x0800
PACKET_OUTGOING = 4
RESEND_AFTER = 1.0
"""Seconds before an exchange with no answer starts again with a new xid."""


def kea_config(ns: Namespace, workdir: Path) -> Path:
    subnet = ns.segment.subnet
    path = workdir / "kea.json"
    argv = ["dhcp-config", "--format", "kea", "--sip-server", "pool01.phonesim.test"]
    argv += ["--web-server", "web01.phonesim.test", "--subnet", str(subnet)]
    # Above the host (.1) and Kea (.53): 201 addresses, for both load generators' clients.
    argv += ["--pool", f"{subnet.network_address + 54}-{subnet.network_address + 254}"]
    argv += ["--interface", ns.ns_link, "--output", str(path)]
    assert phonesim_main(argv) == 0
    return path


_RECEIVED = re.compile(r"received packets:\s*(\d+)")


def perfdhcp_run(ns: Namespace, seconds: float, rate: int, clients: int) -> float:
    """Kea's answers per second to perfdhcp's relayed DORA (offers and acks), as kea_storm.py."""
    completed = subprocess.run(
        [
            "perfdhcp",
            "-4",
            "-r",
            str(rate),
            "-R",
            str(clients),
            "-p",
            str(int(seconds)),
            "-l",
            ns.host_link,
            ns.segment.server_address,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
    )
    received = sum(int(n) for n in _RECEIVED.findall(completed.stdout))
    if received == 0:
        raise RuntimeError(f"perfdhcp received nothing:\n{completed.stdout}\n{completed.stderr}")
    return received / seconds


@dataclass
class Exchange:
    mac: bytes
    xid: int
    sent: float


class Stamp:
    """A message built once by the codec; xid, chaddr and the client id patched per exchange."""

    def __init__(self, message: bytes, mac: bytes) -> None:
        self.message = bytearray(message)
        self.chaddr = 28
        self.client_id = message.index(b"\x3d\x07\x01" + mac) + 3

    def stamped(self, xid: int, mac: bytes) -> bytes:
        self.message[4:8] = xid.to_bytes(4, "big")
        self.message[self.chaddr : self.chaddr + 6] = mac
        self.message[self.client_id : self.client_id + 6] = mac
        return bytes(self.message)


class DoraLoad:
    """`clients` MACs each doing DORA again and again, `window` exchanges in flight."""

    def __init__(self, interface: str, clients: int, window: int) -> None:
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
        self.sock.bind((interface, 0))
        self.sock.setblocking(False)
        self.macs = [bytes((2, 0, 0x5E, 0x10)) + n.to_bytes(2, "big") for n in range(clients)]
        self.window = window
        self.xid = int(time.time()) & 0x0FFFFFFF
        template_mac = self.macs[0]
        text = ":".join(f"{b:02x}" for b in template_mac)
        self.discover = Stamp(
            build_discover(xid=1, mac=text, vendor_class="MS-UC-Client"), template_mac
        )
        request = build_request(
            xid=1,
            mac=text,
            vendor_class="MS-UC-Client",
            requested_address="0.0.0.1",
            server_id="0.0.0.2",
        )
        self.request = Stamp(request, template_mac)
        self.requested_at = request.index(b"\x32\x04\x00\x00\x00\x01") + 2
        self.server_at = request.index(b"\x36\x04\x00\x00\x00\x02") + 2
        self.answers = 0

    def _send(self, mac: bytes, payload: bytes) -> None:
        frame = build_udp_frame(
            source_mac=mac.hex(":"),
            destination_mac="ff:ff:ff:ff:ff:ff",
            source_ip="0.0.0.0",
            destination_ip="255.255.255.255",
            source_port=68,
            destination_port=67,
            payload=payload,
        )
        # A full queue drops the frame: the exchange starts again after RESEND_AFTER.
        with contextlib.suppress(BlockingIOError):
            self.sock.send(frame)

    def _start(self, mac: bytes, now: float, flight: dict[int, Exchange]) -> None:
        self.xid = (self.xid + 1) & 0xFFFFFFFF
        flight[self.xid] = Exchange(mac, self.xid, now)
        self._send(mac, self.discover.stamped(self.xid, mac))

    def run(self, seconds: float) -> float:
        """Kea's OFFERs and ACKs per second over `seconds`."""
        flight: dict[int, Exchange] = {}
        idle = list(self.macs)
        started = time.monotonic()
        end = started + seconds
        while (now := time.monotonic()) < end:
            while idle and len(flight) < self.window:
                self._start(idle.pop(), now, flight)
            ready, _, _ = select.select([self.sock], [], [], 0.05)
            if ready:
                self._read(flight, idle, time.monotonic())
            for xid, exchange in list(flight.items()):
                if now - exchange.sent > RESEND_AFTER:
                    del flight[xid]
                    idle.append(exchange.mac)
        return self.answers / (time.monotonic() - started)

    def _read(self, flight: dict[int, Exchange], idle: list[bytes], now: float) -> None:
        for _ in range(256):
            try:
                frame, address = self.sock.recvfrom(2048)
            except BlockingIOError:
                return
            if address[2] == PACKET_OUTGOING or len(frame) < 42 + 240 or frame[36:38] != b"\x00D":
                continue
            payload = frame[42:]
            exchange = flight.get(int.from_bytes(payload[4:8], "big"))
            if exchange is None or payload[28:34] != exchange.mac:
                continue
            kind = _message_type(payload)
            if kind == 2:
                self.answers += 1
                request = bytearray(self.request.stamped(exchange.xid, exchange.mac))
                request[self.requested_at : self.requested_at + 4] = payload[16:20]
                request[self.server_at : self.server_at + 4] = _server_id(payload)
                exchange.sent = now
                self._send(exchange.mac, bytes(request))
            elif kind == 5:
                self.answers += 1
                del flight[exchange.xid]
                idle.insert(0, exchange.mac)

    def close(self) -> None:
        self.sock.close()


def _option(payload: bytes, code: int) -> bytes | None:
    at = 240
    while at + 1 < len(payload):
        kind = payload[at]
        if kind == 0:
            at += 1
            continue
        if kind == 255:
            return None
        length = payload[at + 1]
        if kind == code:
            return payload[at + 2 : at + 2 + length]
        at += 2 + length
    return None


def _message_type(payload: bytes) -> int | None:
    value = _option(payload, 53)
    return value[0] if value else None


def _server_id(payload: bytes) -> bytes:
    return _option(payload, 54) or b"\x00\x00\x00\x00"


def phonesim_run(ns: Namespace, seconds: float, clients: int, window: int) -> float:
    load = DoraLoad(ns.host_link, clients, window)
    try:
        return load.run(seconds)
    finally:
        load.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument(
        "--clients",
        type=int,
        default=100,
        help="MACs of each load generator (perfdhcp -R); both together within the pool's 201",
    )
    parser.add_argument("--window", type=int, default=64, help="phonesim exchanges in flight")
    parser.add_argument("--rate", type=int, default=20000, help="perfdhcp's offered rate")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root (network namespaces, packet socket)")
    workdir = Path(f"/tmp/phonesim-dora-bench-{os.getpid()}")
    workdir.mkdir(exist_ok=True)
    perf: list[float] = []
    ours: list[float] = []
    with namespace("dora-bench") as ns:
        process = start_dhcp_server("kea", ns, kea_config(ns, workdir), workdir)
        wait_for_dhcp(ns, [ns.address], [process])
        for number in range(1, args.runs + 1):
            perf.append(perfdhcp_run(ns, args.seconds, args.rate, args.clients))
            ours.append(phonesim_run(ns, args.seconds, args.clients, args.window))
            print(
                f"run {number}: perfdhcp {perf[-1]:,.0f} answers/s, "
                f"phonesim DORA {ours[-1]:,.0f} answers/s",
                flush=True,
            )
    p, o = statistics.median(perf), statistics.median(ours)
    print(
        f"median of {args.runs} runs, {args.seconds:g} s each, {os.cpu_count()} CPUs: "
        f"Kea answered perfdhcp {p:,.0f}/s, phonesim DORA {o:,.0f}/s (ratio {o / p:.2f})"
    )


if __name__ == "__main__":
    main()
