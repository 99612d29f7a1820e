"""The first phones of a DHCP storm: do they stall the rest?

A DHCP storm at --rate max against the embedded lab (in its own process), run
with the fleet's heap frozen before the clock starts (as `phonesim fleet` runs)
and, as the baseline in the same run, without. Each run is a fresh process, as
each `phonesim fleet` is (the collector's state carries over between runs in one
process). Prints per run and as the median of the runs: the DHCP latency
p50/p90/p99, the longest pause between two phones' power-ons, and the
collector's full passes while the fleet's clock ran, with the longest one.

    python benchmarks/fleet_first_phones.py [--phones 500] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from itertools import pairwise
from typing import Any

from phonesim.app.network import lab_network
from phonesim.fleet import fleet_run
from phonesim.fleet.fleet_run import FleetPlan, FleetRun
from phonesim.fleet.identities import ProfileMix, generated_identities, lab_users_toml
from phonesim.fleet.lab_process import LabProcess
from phonesim.fleet.load_shape import LoadShape
from phonesim.fleet.statistics import nearest_rank
from phonesim.profiles import load_profile

FROZEN = fleet_run.heap_frozen


class FullPasses:
    """The collector's generation-2 passes, timed, while the fleet's clock runs."""

    def __init__(self) -> None:
        self.passes: list[tuple[float, float]] = []
        """(start on the loop's clock, seconds)"""
        self._began = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._began = time.monotonic()
        else:
            self.passes.append((self._began, time.monotonic() - self._began))

    def during(self, start: float) -> list[float]:
        return [seconds for began, seconds in self.passes if began >= start]


async def one_run(phones: int, frozen: bool) -> dict[str, float]:
    fleet_run.heap_frozen = FROZEN if frozen else contextlib.nullcontext  # type: ignore[assignment]
    identities = generated_identities(
        phones, ProfileMix.parse("polycom-cx600"), {"polycom-cx600": "00:04:f2"}, seed=1
    )
    lab = LabProcess(users_toml=lab_users_toml(identities, "phonesim.test"))
    endpoints = await lab.start()
    passes = FullPasses()
    try:
        fleet = FleetRun(
            FleetPlan(
                identities,
                {"polycom-cx600": load_profile("polycom-cx600")},
                LoadShape(phones=phones, rate=None, concurrency=2000),
                final_stage="dhcp",
            ),
            lab_network(endpoints),
        )
        gc.callbacks.append(passes)
        stats = await fleet.run()
    finally:
        with contextlib.suppress(ValueError):
            gc.callbacks.remove(passes)
        lab.stop()
        fleet_run.heap_frozen = FROZEN
    pauses = passes.during(fleet._t0)  # the loop's clock (monotonic) when phones could start
    dhcp = sorted(stats.latencies["dhcp"])
    return {
        "p50": nearest_rank(dhcp, 50) * 1000,
        "p90": nearest_rank(dhcp, 90) * 1000,
        "p99": nearest_rank(dhcp, 99) * 1000,
        "longest_gap": max(b - a for a, b in pairwise(stats.started_at)) * 1000,
        "full_passes": len(pauses),
        "longest_pass": max(pauses, default=0.0) * 1000,
    }


def line(result: dict[str, float]) -> str:
    return (
        f"DHCP p50/p90/p99 {result['p50']:.1f}/{result['p90']:.1f}/{result['p99']:.1f} ms, "
        f"longest pause between power-ons {result['longest_gap']:.1f} ms, "
        f"{result['full_passes']:.0f} full collector passes (longest {result['longest_pass']:.1f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--one", choices=("frozen", "not-frozen"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(asyncio.run(one_run(args.phones, args.one == "frozen"))))
        return
    results: dict[bool, list[dict[str, float]]] = {True: [], False: []}
    for number in range(1, args.runs + 1):
        for frozen in (False, True):  # alternated, so both see the same machine load
            one = "frozen" if frozen else "not-frozen"
            child = subprocess.run(
                [sys.executable, __file__, "--phones", str(args.phones), "--one", one],
                check=True,
                capture_output=True,
                text=True,
            )
            result = json.loads(child.stdout.splitlines()[-1])
            results[frozen].append(result)
            print(f"run {number}, heap {'frozen' if frozen else 'not frozen'}: {line(result)}")
    print(f"median of {args.runs} runs ({args.phones} phones, {os.cpu_count()} CPUs):")
    medians = {}
    for frozen in (False, True):
        rows = results[frozen]
        medians[frozen] = {key: statistics.median(r[key] for r in rows) for key in rows[0]}
        print(f"  heap {'frozen    ' if frozen else 'not frozen'}: {line(medians[frozen])}")
    print(
        f"  DHCP p90 frozen / not frozen: {medians[True]['p90'] / medians[False]['p90']:.2f}, "
        f"p99: {medians[True]['p99'] / medians[False]['p99']:.2f}"
    )


if __name__ == "__main__":
    main()
