"""Full bootstraps per second: a fleet against the embedded lab, each in its own process.

Phones power on as fast as allowed (bounded concurrency) and sign in all the
way (DHCP, DNS, time, root chain, web ticket, certificate, registrar). Prints,
per run and as the median of the runs: phones per second (wall), and the CPU
each process spent per phone, so the limiting side shows.

    python benchmarks/fleet_bootstrap.py [--phones 400] [--runs 3] [--concurrency 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

from lab_fleet import lab_and_fleet, process_cpu


async def one_run(phones: int, concurrency: int, stage: str) -> dict[str, float]:
    async with lab_and_fleet(phones, concurrency, stage) as (lab_pid, fleet):
        lab_cpu, own_cpu, wall = process_cpu(lab_pid), time.process_time(), time.perf_counter()
        stats = await fleet.run()
        wall = time.perf_counter() - wall
        own_cpu = time.process_time() - own_cpu
        lab_cpu = process_cpu(lab_pid) - lab_cpu
    ok = stats.outcomes["success"]
    return {
        "phones_per_second": stats.finished / wall,
        "signed_in": ok,
        "failed": stats.failed,
        "fleet_cpu_ms_per_phone": own_cpu / phones * 1000,
        "lab_cpu_ms_per_phone": lab_cpu / phones * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=400)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--stage", default="registrar")
    args = parser.parse_args()
    results = []
    for number in range(1, args.runs + 1):
        result = asyncio.run(one_run(args.phones, args.concurrency, args.stage))
        results.append(result)
        print(
            f"run {number}: {result['phones_per_second']:.1f} phones/s, "
            f"{result['signed_in']:.0f} signed in, {result['failed']:.0f} failed, "
            f"fleet CPU {result['fleet_cpu_ms_per_phone']:.3f} ms/phone, "
            f"lab CPU {result['lab_cpu_ms_per_phone']:.3f} ms/phone"
        )
    median = {key: statistics.median(r[key] for r in results) for key in results[0]}
    print(
        f"median of {args.runs} runs ({args.phones} phones, concurrency {args.concurrency}, "
        f"stage {args.stage}, {os.cpu_count()} CPUs): {median['phones_per_second']:.1f} phones/s; "
        f"fleet CPU {median['fleet_cpu_ms_per_phone']:.3f} ms/phone, "
        f"lab CPU {median['lab_cpu_ms_per_phone']:.3f} ms/phone"
    )


if __name__ == "__main__":
    main()
