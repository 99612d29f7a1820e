"""The fleet's CPU per phone while it drives DORA against Kea (`fleet --stage lease`).

`dora_vs_perfdhcp.py` says how Kea's answers per second compare; this says what
each phone costs the fleet's process, which is what bounds them on a machine whose
other core Kea takes. A namespace holds Kea (as there); after an uncounted warm-up
fleet, each run boots `--phones` phones over `--clients` MACs at `--rate max` with
`--window` in flight, and prints the process's CPU (user and system, from the
fleet's start to its end) per phone that took its lease, and the phones per
second. With `--layers`, one more run under cProfile prints, per phone, the Python
calls and the profiled time of each layer (core, codec, drivers, fleet, asyncio and
the standard library, built-ins and C methods): the profiler inflates small calls,
so read the shares, not the microseconds. Compare checkouts with `side_by_side.py`.

    sudo python benchmarks/dora_fleet_cpu.py [--phones 10000] [--runs 3] [--layers]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from dora_vs_perfdhcp import fleet_of, kea_config

from phonesim.fleet.fleet_run import FleetRun
from tests.interop.servers import start_dhcp_server, wait_for_dhcp
from tests.netns import namespace


def run(
    fleet: FleetRun, profile: cProfile.Profile | None = None
) -> tuple[int, float, float, float]:
    """Leased phones, user and system CPU seconds, and wall seconds of one fleet.

    The system time includes what the kernel does for the frames the fleet sends in
    its own call: the veth hands each frame to the namespace's stack (Kea's sockets)
    before `send` returns."""
    before = os.times()
    wall = time.monotonic()
    if profile is not None:
        profile.enable()
    stats = asyncio.run(fleet.run())
    if profile is not None:
        profile.disable()
    after = os.times()
    boots = sorted(stats.latencies["boot"])
    print(
        f"  boot latency p50 {boots[len(boots) // 2] * 1e3:.1f} ms, "
        f"p99 {boots[len(boots) * 99 // 100] * 1e3:.1f} ms, max {boots[-1] * 1e3:.0f} ms",
        flush=True,
    )
    return (
        stats.outcomes["success"],
        after.user - before.user,
        after.system - before.system,
        time.monotonic() - wall,
    )


LAYERS = (
    ("/phonesim/core/", "core"),
    ("/phonesim/codec/", "codec"),
    ("/phonesim/drivers/", "drivers"),
    ("/phonesim/fleet/", "fleet"),
    ("/asyncio/", "asyncio"),
)


def layer_of(filename: str) -> str:
    for marker, layer in LAYERS:
        if marker in filename:
            return layer
    if filename == "~":
        return "built-ins and C methods"
    return "other Python"


def print_layers(profile: cProfile.Profile, phones: int) -> None:
    calls: dict[str, int] = defaultdict(int)
    seconds: dict[str, float] = defaultdict(float)
    for (filename, _, _), row in pstats.Stats(profile).stats.items():  # type: ignore[attr-defined]
        _, ncalls, tottime, _, _ = row
        layer = layer_of(filename)
        calls[layer] += ncalls
        seconds[layer] += tottime
    total = sum(seconds.values())
    print(f"per phone under cProfile ({phones} phones): {sum(calls.values()) / phones:.0f} calls")
    for layer in sorted(seconds, key=seconds.get, reverse=True):  # type: ignore[arg-type]
        print(
            f"  {layer}: {calls[layer] / phones:.0f} calls, "
            f"{seconds[layer] / total:.0%} of the profiled time"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clients", type=int, default=100, help="MACs the phones cycle over")
    parser.add_argument("--window", type=int, default=100, help="phones in flight")
    parser.add_argument("--layers", action="store_true", help="one more run, under cProfile")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root (network namespaces, packet socket)")
    workdir = Path(f"/tmp/phonesim-dora-cpu-{os.getpid()}")
    workdir.mkdir(exist_ok=True)
    per_phone: list[float] = []
    system: list[float] = []
    rates: list[float] = []
    with namespace("dora-cpu") as ns:
        process = start_dhcp_server("kea", ns, kea_config(ns, workdir), workdir)
        wait_for_dhcp(ns, [ns.address], [process])
        run(fleet_of(ns, 1_000, args.clients, args.window))  # imports, first-use caches
        for number in range(1, args.runs + 1):
            leased, user, kernel, wall = run(fleet_of(ns, args.phones, args.clients, args.window))
            per_phone.append((user + kernel) / leased * 1e6)
            system.append(kernel / leased * 1e6)
            rates.append(leased / wall)
            print(
                f"run {number}: {leased} phones leased, {per_phone[-1]:.0f} us CPU per phone "
                f"({system[-1]:.0f} of it system), {rates[-1]:,.0f} phones/s",
                flush=True,
            )
        if args.layers:
            profile = cProfile.Profile()
            leased, *_ = run(fleet_of(ns, args.phones, args.clients, args.window), profile)
            print_layers(profile, leased)
    print(
        f"median of {args.runs} runs: {statistics.median(per_phone):.0f} us CPU per phone "
        f"({statistics.median(system):.0f} of it system), "
        f"{statistics.median(rates):,.0f} phones/s"
    )


if __name__ == "__main__":
    main()
