"""Answers per second from Kea to DORA: ISC's perfdhcp and phonesim's fleet, in turn.

A network namespace holds Kea DHCPv4, configured from `phonesim dhcp-config
--pool` (the phones' options and a pool to lease). From the host end of the
veth, runs alternate within one invocation (A B A B): perfdhcp (relayed DORA at a
rate Kea cannot keep up with, as `kea_storm.py` runs it) and phonesim's fleet
stopping at the lease, as `phonesim fleet --iface IF --stage lease --rate max`
runs it (the fleet's own `FleetRun`): each phone's DISCOVER and REQUEST broadcast
from its own MAC through the packet socket, `--window` phones in flight, the
leases kept and released when the run ends. Each side has `--clients` MACs (100;
both together within the pool's 201 addresses), the fleet's phones cycling over
them as perfdhcp's -R clients do. Each run lasts a bounded time. Prints each run
and the medians: Kea's answered packets (OFFERs and ACKs) per second under each,
and the ratio; per run also how busy Kea was and its CPU per answer under each,
and how busy the fleet's process was (from its start, building its phones'
identities included), so that a run says which side bounded it.

Needs root, kea-dhcp4 and perfdhcp (Debian: kea-dhcp4-server, kea-admin).
Run from the repository root:

    sudo python benchmarks/dora_vs_perfdhcp.py [--runs 5] [--seconds 8]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from phonesim.cli import main as phonesim_main
from phonesim.core.stage import Stage
from phonesim.drivers.network import Network
from phonesim.fleet.fleet_run import FleetPlan, FleetRun
from phonesim.fleet.identities import FleetIdentity, ProfileMix, generated_identities
from phonesim.fleet.load_shape import LoadShape
from phonesim.profiles import load_profile
from tests.interop.servers import start_dhcp_server, wait_for_dhcp
from tests.netns import Namespace, namespace


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


def cpu_seconds(pid: int) -> float:
    """A process's user and system CPU so far (`/proc/PID/stat`, clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Busy:
    """Kea's CPU over one run: how busy the server was, and its CPU per answer."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.cpu = cpu_seconds(pid)
        self.wall = time.monotonic()

    def end(self, answers_per_second: float) -> tuple[float, float]:
        cpu = cpu_seconds(self.pid) - self.cpu
        wall = time.monotonic() - self.wall
        return cpu / wall, cpu / (answers_per_second * wall) * 1e6


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


def cycling_identities(phones: int, clients: int, seed: int) -> list[FleetIdentity]:
    """`phones` boots over `clients` MACs, as perfdhcp's -R: a pool of 201 addresses
    cannot lease thousands of MACs, and a MAC that leases again is given its own address
    back (the fleet keeps one lease per MAC and releases it at the end)."""
    macs = generated_identities(
        clients, ProfileMix.parse("polycom-cx600"), {"polycom-cx600": "00:04:f2"}, seed=seed
    )
    return [
        FleetIdentity(n, mac.profile, mac.mac, str(6_000_000 + n), mac.pin)
        for n, mac in zip(range(phones), itertools.cycle(macs), strict=False)
    ]


def fleet_of(ns: Namespace, phones: int, clients: int, window: int) -> FleetRun:
    """The fleet of `fleet --iface --stage lease --rate max`, its phones cycling over
    `clients` MACs as perfdhcp's clients do."""
    network = Network(
        dhcp_server=("255.255.255.255", 67),
        dns_server=("0.0.0.0", 53),
        address=ns.segment.host_address,
        domain="",
        local_dhcp=("", 68),
        interface=ns.host_link,
    )
    return FleetRun(
        FleetPlan(
            cycling_identities(phones, clients, seed=int(time.time())),
            {"polycom-cx600": load_profile("polycom-cx600")},
            LoadShape(phones=phones, rate=None, concurrency=window),
            final_stage=Stage.LEASE,
            key_pool=1,
        ),
        network,
    )


async def phonesim_run(ns: Namespace, seconds: float, clients: int, window: int) -> float:
    """Kea's OFFERs and ACKs per second to the fleet's DORA (`fleet --iface --stage lease
    --rate max`): two answers per phone that took its lease."""
    phones = 200_000  # far more than a run gets through: the period ends it
    fleet = fleet_of(ns, phones, clients, window)

    async def period() -> None:
        # Timed from the first power-on: loading scapy is not part of the storm.
        while fleet.started_wall is None:
            await asyncio.sleep(0.01)
        await asyncio.sleep(seconds)
        fleet.stop("benchmark period over")

    stopper = asyncio.ensure_future(period())
    stats = await fleet.run()
    stopper.cancel()
    elapsed = fleet.elapsed
    if fleet.leases.released != min(clients, fleet.leases.taken):
        raise RuntimeError(f"the fleet gave back {fleet.leases.summary()}")
    return 2 * stats.outcomes["success"] / elapsed


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
    parser.add_argument(
        "--window",
        type=int,
        default=100,
        help="phones in flight (the fleet's --concurrency); at most --clients, so that no "
        "two phones of one MAC are in flight together",
    )
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
            # Kea's CPU says which side bounds a run: a server busy all the time is the
            # limit, whatever the load generator could send.
            busy = Busy(process.pid)
            perf.append(perfdhcp_run(ns, args.seconds, args.rate, args.clients))
            perf_busy = busy.end(perf[-1])
            busy, fleet_busy = Busy(process.pid), Busy(os.getpid())
            ours.append(asyncio.run(phonesim_run(ns, args.seconds, args.clients, args.window)))
            ours_busy, fleet_cpu = busy.end(ours[-1]), fleet_busy.end(ours[-1])
            print(
                f"run {number}: perfdhcp {perf[-1]:,.0f} answers/s, "
                f"phonesim fleet DORA {ours[-1]:,.0f} answers/s "
                f"(ratio {ours[-1] / perf[-1]:.2f}); Kea busy {perf_busy[0]:.0%} and "
                f"{ours_busy[0]:.0%}, {perf_busy[1]:.0f} and {ours_busy[1]:.0f} us CPU per answer; the fleet's process busy "
                f"{fleet_cpu[0]:.0%}",
                flush=True,
            )
    p, o = statistics.median(perf), statistics.median(ours)
    # Runs side by side share the machine's load of the moment: the ratio of each pair is
    # the steadier figure, its median the one to quote.
    ratios = [mine / theirs for mine, theirs in zip(ours, perf, strict=True)]
    print(
        f"median of {args.runs} runs, {args.seconds:g} s each, {os.cpu_count()} CPUs: "
        f"Kea answered perfdhcp {p:,.0f}/s, phonesim fleet DORA {o:,.0f}/s (ratio of medians "
        f"{o / p:.2f}); median of the per-run ratios {statistics.median(ratios):.2f}"
    )


if __name__ == "__main__":
    main()
