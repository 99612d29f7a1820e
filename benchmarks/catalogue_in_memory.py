"""The scenario catalogue booted in memory (LabPair), against the same boots over loopback.

Prints the median time of the whole catalogue in memory (stock CX600 profile, real
timers: dhcp-silent's minute of retries is virtual), then, as the baseline measured
in the same run, boots over loopback sockets against the embedded lab, per boot,
for the scenarios that do not wait on DHCP timers.

    python benchmarks/catalogue_in_memory.py [--runs 5] [--loopback-runs 1]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from phonesim.app.boot import boot_in_lab
from phonesim.lab.scenario import catalogue, load_scenario
from phonesim.profiles import load_profile
from phonesim.testing import LabPair

WAITS_ON_DHCP_TIMERS = {"dhcp-silent", "slow-dhcp"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--loopback-runs", type=int, default=1)
    args = parser.parse_args()
    scenarios = [load_scenario(name) for name in catalogue()]
    LabPair().run()  # imports, the WSDLs and the phone's RSA key: paid once per process

    runs = []
    for _ in range(args.runs):
        start = time.perf_counter()
        for scenario in scenarios:
            LabPair(scenario).run()
        runs.append(time.perf_counter() - start)
    whole = statistics.median(runs)
    print(f"catalogue in memory: {len(scenarios)} boots in {whole:.3f} s (median of {args.runs})")
    print(f"  {whole / len(scenarios) * 1000:.1f} ms per boot")

    if args.loopback_runs < 1:
        return
    quick = [s for s in scenarios if s.name not in WAITS_ON_DHCP_TIMERS]
    profile = load_profile("polycom-cx600")
    loopback = []
    for _ in range(args.loopback_runs):
        for scenario in quick:
            start = time.perf_counter()
            asyncio.run(
                boot_in_lab(
                    scenario=scenario,
                    profile=profile,
                    sign_in_as="5551234",
                    pin="13579",
                    seed=11,
                    capture_enabled=False,
                )
            )
            loopback.append(time.perf_counter() - start)
    in_memory = []
    for scenario in quick:
        start = time.perf_counter()
        LabPair(scenario).run()
        in_memory.append(time.perf_counter() - start)
    over, within = statistics.median(loopback), statistics.median(in_memory)
    print(
        f"per boot, {len(quick)} scenarios without DHCP waits: loopback {over * 1000:.1f} ms, "
        f"in memory {within * 1000:.1f} ms (x{over / within:.0f})"
    )


if __name__ == "__main__":
    main()
