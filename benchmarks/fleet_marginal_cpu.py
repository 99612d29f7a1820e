"""The fleet's CPU per phone once it runs: a small and a large fleet in one process, the difference.

`fleet_bootstrap.py` divides a fleet's CPU by its phones, which is right for a
full sign-in but misleading for a short stage: in a DHCP storm the first phone
pays for imports, caches and the lab's sockets, and those one-time costs weigh
as much as the phones themselves. Here a warm-up fleet pays them first, then
each run boots a small fleet and a large one in the same process, and the
marginal cost is (CPU of the large − CPU of the small) / (difference in
phones): what one more phone costs the fleet, with everything paid once left
out. Each fleet has its own embedded lab (a process of its own, not counted).

    python benchmarks/fleet_marginal_cpu.py [--stage dhcp] [--phones 2500] [--base 500] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

from lab_fleet import lab_and_fleet


async def fleet_cpu(phones: int, stage: str, concurrency: int) -> tuple[float, int]:
    """CPU seconds this process spent running a fleet of `phones`, and how many succeeded."""
    async with lab_and_fleet(phones, concurrency, stage, seed=phones, settle=0.3) as (_, fleet):
        cpu = time.process_time()
        stats = await fleet.run()
        return time.process_time() - cpu, stats.outcomes["success"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="dhcp", help="the stage the fleet stops after")
    parser.add_argument("--phones", type=int, default=2500, help="the large fleet")
    parser.add_argument("--base", type=int, default=500, help="the small fleet")
    parser.add_argument("--warmup", type=int, default=300, help="the fleet run first, uncounted")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=500)
    args = parser.parse_args()
    if args.phones <= args.base:
        parser.error("--phones must be larger than --base")
    asyncio.run(fleet_cpu(args.warmup, args.stage, args.concurrency))
    margins, smalls, larges = [], [], []
    for number in range(1, args.runs + 1):
        small, small_ok = asyncio.run(fleet_cpu(args.base, args.stage, args.concurrency))
        large, large_ok = asyncio.run(fleet_cpu(args.phones, args.stage, args.concurrency))
        margin = (large - small) / (args.phones - args.base) * 1000
        margins.append(margin)
        smalls.append(small * 1000)
        larges.append(large * 1000)
        print(
            f"run {number}: marginal fleet CPU {margin:.4f} ms/phone "
            f"({args.base} phones {small * 1000:.0f} ms, {small_ok} succeeded; "
            f"{args.phones} phones {large * 1000:.0f} ms, {large_ok} succeeded)"
        )
    print(
        f"median of {args.runs} runs (stage {args.stage}, {args.base} and {args.phones} phones, "
        f"concurrency {args.concurrency}, {os.cpu_count()} CPUs): "
        f"marginal fleet CPU {statistics.median(margins):.4f} ms/phone; "
        f"{args.base} phones {statistics.median(smalls):.0f} ms, "
        f"{args.phones} phones {statistics.median(larges):.0f} ms"
    )


if __name__ == "__main__":
    main()
