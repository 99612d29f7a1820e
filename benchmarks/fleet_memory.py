"""Memory of a fleet in flight: RSS with N phones booting at once.

The phones power on against a lab whose DHCP stays silent, so every one of
them sits in flight (retransmitting its DHCPINFORM) when RSS is read; then the
fleet is stopped. Prints RSS before and with the phones, and per phone.

    python benchmarks/fleet_memory.py [phones]      (default 10000)
"""

from __future__ import annotations

import asyncio
import gc
import sys
import time
from pathlib import Path

from phonesim.app.network import lab_network
from phonesim.fleet.fleet_run import FleetPlan, FleetRun
from phonesim.fleet.identities import ProfileMix, generated_identities
from phonesim.fleet.lab_process import LabProcess
from phonesim.fleet.load_shape import LoadShape
from phonesim.profiles import load_profile

SILENT_DHCP = Path(__file__).with_name("silent-dhcp.toml")


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def measure(count: int) -> None:
    profile = load_profile("polycom-cx600")
    phones = generated_identities(
        count, ProfileMix.parse("polycom-cx600"), {"polycom-cx600": "00:04:f2"}, seed=1
    )
    async with LabProcess(scenario=str(SILENT_DHCP)) as endpoints:
        plan = FleetPlan(
            phones,
            {"polycom-cx600": profile},
            LoadShape(phones=count, rate=None, concurrency=count),
            key_pool=1,
        )
        fleet = FleetRun(plan, lab_network(endpoints))
        gc.collect()
        before = rss_mib()
        task = asyncio.ensure_future(fleet.run())
        deadline = time.monotonic() + 120
        while fleet.statistics.started < count and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
        gc.collect()
        during = rss_mib()
        in_flight = fleet.progress().in_flight
        fleet.abort()
        await task
    print(f"phones in flight: {in_flight}")
    print(f"RSS before: {before:.1f} MiB, with the phones: {during:.1f} MiB")
    print(f"per phone: {(during - before) * 1024 / max(1, in_flight):.1f} KiB")


if __name__ == "__main__":
    asyncio.run(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 10000))
