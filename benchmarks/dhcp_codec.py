"""DHCP codec speed: the scapy paths against the per-packet paths, side by side.

Prints, for each operation, the median time of several runs on the scapy
(reference) path and on the per-packet path, with their ratio; then
end-to-end INFORM/ACK exchanges per second on one core: template INFORM ->
lab responder `replies()` -> decode of the ACK, first in memory, then over
real UDP sockets on 127.0.0.1 (plain sockets one at a time and with a window
in flight, and the responder's own asyncio transport with the phones' shared
endpoint). Every loop stops at a count or a time limit, whichever comes first.

    python benchmarks/dhcp_codec.py [--runs 7] [--seconds 1.0] [--cpu 0]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import platform
import random
import socket
import statistics
import time
import timeit
from collections import Counter
from collections.abc import Callable
from itertools import cycle

from phonesim.codec.ack_template import AckTemplate
from phonesim.codec.dhcp_message import (
    DHCPINFORM,
    DhcpMessage,
    build_ack,
    build_inform,
    decode_dhcp_message,
    decode_dhcp_message_with_scapy,
)
from phonesim.codec.inform_template import InformTemplate
from phonesim.codec.sip_server_option import (
    decode_sip_server_option,
    decode_sip_server_option_uncached,
)
from phonesim.drivers.dhcp_endpoint import DhcpClientEndpoint
from phonesim.errors import PhonesimError
from phonesim.lab.dhcp_responder import (
    DhcpResponderConfig,
    LabDhcpResponder,
    LabDhcpServer,
    ScheduledReply,
)

VENDOR_CLASS = "MS-UC-Client"
REQUESTED = [1, 3, 6, 15, 42, 43, 120]
MAX_MESSAGE_SIZE = 1500
PHONES = 2000
LOOPBACK = "127.0.0.1"
MAX_EXCHANGES = 200_000
"""Upper bound on exchanges in one timed loop, whatever the time limit."""
UDP_WINDOW = 32


class ScapyResponder:
    """The lab responder's rules on the scapy path (full decode, build_ack per reply)."""

    def __init__(self, servers: list[LabDhcpServer]) -> None:
        self.servers = servers
        self.counts: Counter[str] = Counter()
        self.attempts: Counter[tuple[str, int]] = Counter()

    def replies(self, data: bytes) -> list[ScheduledReply]:
        try:
            request = decode_dhcp_message_with_scapy(data)
        except PhonesimError:
            self.counts["malformed"] += 1
            return []
        if request.op != 1 or request.message_type != DHCPINFORM:
            self.counts["not_inform"] += 1
            return []
        if request.vendor_class != VENDOR_CLASS:
            self.counts["other_vendor_class"] += 1
            return []
        self.attempts[request.chaddr, request.xid] += 1
        replies = []
        for server in self.servers:
            if self.attempts[request.chaddr, request.xid] < server.from_attempt:
                continue
            payload = build_ack(request=request, server_id=server.server_id, options=server.options)
            replies.append(ScheduledReply(server.delay, payload, server.server_id))
        return replies


def fleet(count: int, seed: int = 6) -> list[tuple[int, str, str]]:
    """(xid, MAC, address) for `count` phones, repeatable."""
    rng = random.Random(seed)
    phones = []
    for index in range(count):
        mac = "00:04:f2:" + ":".join(f"{rng.randrange(256):02x}" for _ in range(3))
        phones.append(
            (rng.getrandbits(32), mac, f"10.{index >> 16 & 255}.{index >> 8 & 255}.{index & 255}")
        )
    return phones


def scapy_inform(xid: int, mac: str, ciaddr: str) -> bytes:
    return build_inform(
        xid=xid,
        mac=mac,
        ciaddr=ciaddr,
        vendor_class=VENDOR_CLASS,
        parameter_request_list=REQUESTED,
        max_message_size=MAX_MESSAGE_SIZE,
    )


def per_call(operation: Callable[[], object], runs: int, seconds: float) -> float:
    """Median seconds per call over `runs` runs of about `seconds` / `runs` each."""
    number = 1
    while True:
        took = timeit.timeit(operation, number=number)
        if took >= 0.02 or number >= 1 << 20:
            break
        number *= 4
    number = max(1, int(number * (seconds / runs) / max(took, 1e-9)))
    return statistics.median(timeit.repeat(operation, number=number, repeat=runs)) / number


def cycling(items: list[object]) -> Callable[[], object]:
    return cycle(items).__next__


def operation_rows(
    servers: list[LabDhcpServer], runs: int, seconds: float
) -> list[tuple[str, float, float]]:
    phones = fleet(PHONES)
    template = InformTemplate(
        vendor_class=VENDOR_CLASS,
        parameter_request_list=REQUESTED,
        max_message_size=MAX_MESSAGE_SIZE,
    )
    informs = [template.for_phone(*phone) for phone in phones[:200]]
    requests = [decode_dhcp_message(inform) for inform in informs]
    server = servers[0]
    ack = AckTemplate(server_id=server.server_id, options=server.options)
    acks = [ack.for_request(request) for request in requests]
    answers = [decode_dhcp_message(wire) for wire in acks]
    option_120 = answers[0].options.get(120) or b""

    next_phone = cycling(phones)  # type: ignore[arg-type]
    next_inform = cycling(informs)  # type: ignore[arg-type]
    next_request = cycling(requests)  # type: ignore[arg-type]
    next_pair = cycling(list(zip(requests, informs, strict=True)))  # type: ignore[arg-type]
    next_ack = cycling(acks)  # type: ignore[arg-type]
    next_answer = cycling(answers)  # type: ignore[arg-type]

    def build_ack_scapy() -> bytes:
        request: DhcpMessage = next_request()  # type: ignore[assignment]
        return build_ack(request=request, server_id=server.server_id, options=server.options)

    def stamp_from_wire() -> bytes:
        _request, wire = next_pair()  # type: ignore[misc]
        return ack.for_request_wire(wire)

    old_responder = ScapyResponder(servers)
    new_responder = LabDhcpResponder(servers)
    pairs: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
        (
            "build INFORM",
            lambda: scapy_inform(*next_phone()),  # type: ignore[misc]
            lambda: template.for_phone(*next_phone()),  # type: ignore[misc]
        ),
        (
            "decode INFORM",
            lambda: decode_dhcp_message_with_scapy(next_inform()),  # type: ignore[arg-type]
            lambda: decode_dhcp_message(next_inform()),  # type: ignore[arg-type]
        ),
        (
            "build ACK (from DhcpMessage)",
            build_ack_scapy,
            lambda: ack.for_request(next_request()),  # type: ignore[arg-type]
        ),
        ("build ACK (from request bytes)", build_ack_scapy, stamp_from_wire),
        (
            "responder replies(INFORM)",
            lambda: old_responder.replies(next_inform()),  # type: ignore[arg-type]
            lambda: new_responder.replies(next_inform()),  # type: ignore[arg-type]
        ),
        (
            "decode ACK",
            lambda: decode_dhcp_message_with_scapy(next_ack()),  # type: ignore[arg-type]
            lambda: decode_dhcp_message(next_ack()),  # type: ignore[arg-type]
        ),
        (
            "option 120 (sip_server)",
            lambda: decode_sip_server_option_uncached(option_120),
            lambda: decode_sip_server_option(option_120),
        ),
        (
            "option 43 (uc_client_vendor)",
            lambda: next_answer().uc_client_vendor(),  # type: ignore[attr-defined]
            lambda: next_answer().uc_client_vendor(),  # type: ignore[attr-defined]
        ),
    ]
    rows = []
    for name, old, new in pairs:
        rows.append((name, per_call(old, runs, seconds), per_call(new, runs, seconds)))
    return rows


Exchange = Callable[[tuple[int, str, str]], object]


def memory_exchange_rate(exchange: Exchange, runs: int, seconds: float) -> float:
    """Median exchanges per second of `exchange` over distinct phones, no sockets."""
    phones = fleet(PHONES)
    rates = []
    for _ in range(runs):
        done = 0
        started = time.perf_counter()
        deadline = started + seconds / runs
        while done < MAX_EXCHANGES:
            for phone in phones[:200]:
                exchange(phone)
            done += 200
            if time.perf_counter() >= deadline:
                break
        rates.append(done / (time.perf_counter() - started))
    return statistics.median(rates)


class UdpPair:
    """A phone socket and a responder socket on 127.0.0.1, both driven from this thread."""

    def __init__(self) -> None:
        self.phone = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for end in (self.phone, self.server):
            end.bind((LOOPBACK, 0))
            end.settimeout(1.0)
        self.server_address = self.server.getsockname()

    def close(self) -> None:
        self.phone.close()
        self.server.close()


def udp_exchange_rate(
    make_inform: Callable[[int, str, str], bytes],
    replies: Callable[[bytes], list[ScheduledReply]],
    decode: Callable[[bytes], DhcpMessage],
    *,
    window: int,
    runs: int,
    seconds: float,
) -> float:
    """Median answered exchanges per second over loopback UDP, `window` INFORMs in flight."""
    phones = fleet(PHONES)
    pair = UdpPair()
    rates = []
    try:
        for _ in range(runs):
            answered = 0
            started = time.perf_counter()
            deadline = started + seconds / runs
            position = 0
            while answered < MAX_EXCHANGES and time.perf_counter() < deadline:
                batch = [phones[(position + k) % len(phones)] for k in range(window)]
                position += window
                for phone in batch:
                    pair.phone.sendto(make_inform(*phone), pair.server_address)
                for _phone in batch:
                    data, source = pair.server.recvfrom(2048)
                    for reply in replies(data):
                        pair.server.sendto(reply.payload, source)
                for phone in batch:
                    answer = decode(pair.phone.recv(2048))
                    if answer.xid != phone[0]:
                        raise RuntimeError("answers came back out of order")
                    answered += 1
            rates.append(answered / (time.perf_counter() - started))
    finally:
        pair.close()
    return statistics.median(rates)


class AsyncioStorm:
    """Phones on one event loop sharing one endpoint, `window` INFORMs in flight at any time."""

    def __init__(self, endpoint: DhcpClientEndpoint, template: InformTemplate) -> None:
        self.endpoint = endpoint
        self.template = template
        self.phones = fleet(PHONES)
        self.sent = 0  # across runs, so that every transaction has its own xid

    async def run(self, window: int, seconds: float) -> float:
        answered = 0
        finished = asyncio.get_running_loop().create_future()
        started = time.perf_counter()
        deadline = started + seconds
        last = self.sent + MAX_EXCHANGES

        def launch() -> None:
            if self.sent >= last or time.perf_counter() >= deadline:
                if not finished.done():
                    finished.set_result(None)
                return
            xid, mac, address = self.phones[self.sent % len(self.phones)]
            xid = (xid + self.sent) & 0xFFFFFFFF
            self.sent += 1

            def answered_by(payload: bytes, _source: str) -> None:
                nonlocal answered
                self.endpoint.forget(xid)
                decode_dhcp_message(payload)
                answered += 1
                launch()

            self.endpoint.listen(xid, answered_by)
            self.endpoint.send(self.template.for_phone(xid, mac, address))

        for _ in range(window):
            launch()
        await asyncio.wait_for(finished, timeout=seconds + 5)
        rate = answered / (time.perf_counter() - started)
        await asyncio.sleep(0.05)  # the last answers in flight arrive and start nothing new
        return rate


async def asyncio_exchange_rate(
    servers: list[LabDhcpServer], *, window: int, runs: int, seconds: float
) -> float:
    """Median exchanges per second against the responder's own asyncio transport."""
    template = InformTemplate(
        vendor_class=VENDOR_CLASS,
        parameter_request_list=REQUESTED,
        max_message_size=MAX_MESSAGE_SIZE,
    )
    responder = LabDhcpResponder(servers)
    await responder.start(LOOPBACK, 0)
    endpoint = DhcpClientEndpoint((LOOPBACK, responder.port))
    await endpoint.open((LOOPBACK, 0))
    try:
        storm = AsyncioStorm(endpoint, template)
        rates = [await storm.run(window, seconds / runs) for _ in range(runs)]
    finally:
        endpoint.close()
        await responder.close()
    return statistics.median(rates)


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7, help="runs per figure (median taken)")
    parser.add_argument(
        "--seconds", type=float, default=1.0, help="time spent on each figure, all runs together"
    )
    parser.add_argument("--cpu", type=int, default=0, help="CPU to pin to; -1 leaves it free")
    arguments = parser.parse_args()
    runs, seconds = arguments.runs, arguments.seconds

    import scapy

    pinned = "not pinned"
    if arguments.cpu >= 0 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {arguments.cpu})
        pinned = f"pinned to CPU {arguments.cpu}"
    print(f"phonesim DHCP codec benchmark, {datetime.date.today()}")
    print(f"{machine()}; scapy {scapy.__version__}; {pinned}")
    print(f"median of {runs} runs, {seconds:g} s per figure\n")

    servers = [
        DhcpResponderConfig(
            sip_servers=["pool01.phonesim.test"], web_fqdn="web01.phonesim.test"
        ).server()
    ]

    print(f"{'operation':32s} {'scapy path':>12s} {'fast path':>12s} {'speed-up':>9s}")
    for name, old, new in operation_rows(servers, runs, seconds):
        print(f"{name:32s} {old * 1e6:9.1f} us {new * 1e6:9.2f} us {old / new:8.1f}x")

    template = InformTemplate(
        vendor_class=VENDOR_CLASS,
        parameter_request_list=REQUESTED,
        max_message_size=MAX_MESSAGE_SIZE,
    )
    old_responder = ScapyResponder(servers)
    new_responder = LabDhcpResponder(servers)

    def old_exchange(phone: tuple[int, str, str]) -> object:
        (reply,) = old_responder.replies(scapy_inform(*phone))
        return decode_dhcp_message_with_scapy(reply.payload)

    def new_exchange(phone: tuple[int, str, str]) -> object:
        (reply,) = new_responder.replies(template.for_phone(*phone))
        return decode_dhcp_message(reply.payload)

    def new_exchange_read(phone: tuple[int, str, str]) -> object:
        (reply,) = new_responder.replies(template.for_phone(*phone))
        answer = decode_dhcp_message(reply.payload)
        return answer.sip_server(), answer.uc_client_vendor()

    print("\nINFORM -> replies() -> decode ACK, one core")
    print(f"{'loop':48s} {'scapy path':>12s} {'fast path':>12s} {'speed-up':>9s}")
    old = memory_exchange_rate(old_exchange, runs, seconds)
    new = memory_exchange_rate(new_exchange, runs, seconds)
    print(f"{'in memory':48s} {old:10,.0f}/s {new:10,.0f}/s {new / old:8.1f}x")
    read = memory_exchange_rate(new_exchange_read, runs, seconds)
    print(f"{'in memory, reading options 120 and 43 too':48s} {'':>12s} {read:10,.0f}/s")

    old_inform = scapy_inform
    new_inform = template.for_phone
    for window in (1, UDP_WINDOW):
        label = f"UDP 127.0.0.1, plain sockets, {window} in flight"
        old = udp_exchange_rate(
            old_inform,
            ScapyResponder(servers).replies,
            decode_dhcp_message_with_scapy,
            window=window,
            runs=runs,
            seconds=seconds,
        )
        new = udp_exchange_rate(
            new_inform,
            LabDhcpResponder(servers).replies,
            decode_dhcp_message,
            window=window,
            runs=runs,
            seconds=seconds,
        )
        print(f"{label:48s} {old:10,.0f}/s {new:10,.0f}/s {new / old:8.1f}x")
    rate = asyncio.run(
        asyncio_exchange_rate(servers, window=UDP_WINDOW, runs=runs, seconds=seconds)
    )
    label = f"UDP 127.0.0.1, asyncio responder, {UDP_WINDOW} in flight"
    print(f"{label:48s} {'':>12s} {rate:10,.0f}/s")


if __name__ == "__main__":
    main()
