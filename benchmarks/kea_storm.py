"""Answers per second from Kea: phonesim's INFORM storm and ISC's perfdhcp, side by side.

A network namespace holds Kea DHCPv4, configured from `phonesim dhcp-config`
(plus an address pool, so perfdhcp's DORA exchanges get leases). From the host
end of the veth, runs alternate in one session: perfdhcp (relayed DORA at a
rate Kea cannot keep up with, 200 clients) and a phonesim fleet stopping after
DHCP (each phone broadcasting its INFORM from its own MAC). Each run lasts a
bounded time. Prints each run and the medians: Kea's answered packets per
second under each load generator, and their ratio.

Needs root, kea-dhcp4 and perfdhcp (Debian: kea-dhcp4-server, kea-admin).
Run from the repository root:

    sudo python benchmarks/kea_storm.py [--runs 3] [--seconds 8] [--phones 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from phonesim.drivers.network import Network
from phonesim.fleet.fleet_run import FleetPlan, FleetRun
from phonesim.fleet.identities import ProfileMix, generated_identities
from phonesim.fleet.load_shape import LoadShape
from phonesim.profiles import load_profile
from tests.interop.servers import dhcp_config, start_dhcp_server, wait_for_dhcp
from tests.netns import Namespace, namespace

_RECEIVED = re.compile(r"received packets:\s*(\d+)")


def kea_with_a_pool(ns: Namespace, workdir: Path) -> Path:
    config = dhcp_config(
        "kea",
        workdir / "kea-generated.json",
        sip_servers=["pool01.phonesim.test"],
        web_server="web01.phonesim.test",
        ns=ns,
    )
    settings = json.loads(config.read_text())
    subnet = ns.segment.subnet
    first, last = subnet.network_address + 100, subnet.network_address + 250
    settings["Dhcp4"]["subnet4"][0]["pools"] = [{"pool": f"{first} - {last}"}]
    pooled = workdir / "kea.json"
    pooled.write_text(json.dumps(settings, indent=2))
    return pooled


def perfdhcp_run(ns: Namespace, seconds: float, rate: int) -> float:
    """Kea's answers per second to perfdhcp's relayed DORA (offers and acks)."""
    completed = subprocess.run(
        [
            "perfdhcp",
            "-4",
            "-r",
            str(rate),
            "-R",
            "200",
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


async def phonesim_run(ns: Namespace, seconds: float, phones: int) -> float:
    """Kea's answers per second to a phonesim INFORM storm (one answer per phone)."""
    profile = load_profile("polycom-cx600")
    identities = generated_identities(
        phones,
        ProfileMix.parse("polycom-cx600"),
        {"polycom-cx600": "00:04:f2"},
        seed=int(time.time()),
    )
    network = Network(
        dhcp_server=("255.255.255.255", 67),
        dns_server=(ns.segment.server_address, 53),
        address=ns.segment.host_address,
        domain="phonesim.test",
        local_dhcp=("", 68),
        interface=ns.host_link,
    )
    fleet = FleetRun(
        FleetPlan(
            identities,
            {"polycom-cx600": profile},
            LoadShape(phones=phones, rate=None, concurrency=2000, duration=seconds),
            final_stage="dhcp",
            key_pool=1,
        ),
        network,
    )
    loop = asyncio.get_running_loop()
    started = loop.time()
    stopper = loop.call_later(seconds, fleet.stop, "benchmark period over")
    stats = await fleet.run()
    stopper.cancel()
    elapsed = loop.time() - started
    return stats.outcomes["success"] / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--phones", type=int, default=40000, help="upper bound per phonesim run")
    parser.add_argument("--rate", type=int, default=20000, help="perfdhcp's offered rate")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root (network namespaces, port 68, packet socket)")
    workdir = Path(f"/tmp/phonesim-kea-storm-{os.getpid()}")
    workdir.mkdir(exist_ok=True)
    perf: list[float] = []
    ours: list[float] = []
    with namespace("kea-storm") as ns:
        process = start_dhcp_server("kea", ns, kea_with_a_pool(ns, workdir), workdir)
        wait_for_dhcp(ns, [ns.address], [process])
        for number in range(1, args.runs + 1):
            perf.append(perfdhcp_run(ns, args.seconds, args.rate))
            ours.append(asyncio.run(phonesim_run(ns, args.seconds, args.phones)))
            print(
                f"run {number}: perfdhcp {perf[-1]:,.0f} answers/s, "
                f"phonesim {ours[-1]:,.0f} answers/s (ratio {ours[-1] / perf[-1]:.2f})",
                flush=True,
            )
    p, o = statistics.median(perf), statistics.median(ours)
    # Runs side by side share the machine's load of the moment: the ratio of each pair is
    # the steadier figure, its median the one to quote.
    ratios = [mine / theirs for mine, theirs in zip(ours, perf, strict=True)]
    print(
        f"median of {args.runs} runs, {args.seconds:g} s each, {os.cpu_count()} CPUs: "
        f"Kea answered perfdhcp {p:,.0f}/s, phonesim {o:,.0f}/s (ratio of medians "
        f"{o / p:.2f}); median of the per-run ratios {statistics.median(ratios):.2f}"
    )


if __name__ == "__main__":
    main()
