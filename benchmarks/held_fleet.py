"""Phones held registered in one process: memory per held phone and keep-alives on time.

A fleet signs in against the embedded lab in its own process (its registrar's
`keep_alive` short, so that a few minutes' hold sees many CRLF keep-alives) and
every phone stays registered for `--hold` after it signed in, then signs out.
Each held phone keeps its SIP/TLS connection and its security association, as
a real phone does. Fleet RSS is read when the most phones are registered at
once, less the fleet's RSS when the first phone powered on (its libraries and
key pool already loaded); the lab's RSS is printed beside it. Keep-alive
lateness is from each phone's own deadline to the CRLF's writing.

Once every phone is held, the fleet's memory is split by allocator (glibc's in
use and free, pymalloc's arenas; see heap_figures.py); `--tracemalloc` adds
Python's own allocations by file and line (it slows the sign-in several times:
give a hold long enough for every phone to be held at once), `--trim` what
`malloc_trim(0)` gives back then.

A fleet needs a descriptor per held phone: the open-file soft limit is raised
within the hard one first, as `phonesim fleet` does, or the run is refused.

    python benchmarks/held_fleet.py [--phones 10000] [--hold 300s] [--keep-alive 20]
                                    [--expires 300] [--rate max] [--concurrency 200]
                                    [--tls-read-buffer 4096] [--tracemalloc] [--trim]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from heap_figures import heap_figures, malloc_trim, rss_mib, tracemalloc_growth

from phonesim.app.network import lab_network
from phonesim.core.flow import LAST
from phonesim.fleet import tls_read_buffer
from phonesim.fleet.descriptor_budget import descriptors_needed, secure_descriptors
from phonesim.fleet.fleet_run import FleetPlan, FleetRun
from phonesim.fleet.identities import ProfileMix, generated_identities, lab_users_toml
from phonesim.fleet.lab_process import LabProcess
from phonesim.fleet.load_shape import LoadShape, parse_duration, parse_rate
from phonesim.fleet.statistics import latency_summary
from phonesim.profiles import load_profile


def lab_scenario(folder: Path, keep_alive: int, expires: int) -> str:
    path = folder / "held-lab.toml"
    path.write_text(
        "[scenario]\n"
        'summary = "a registrar with a short keep-alive, for a held fleet"\n'
        'symptom = "none"\n\n'
        f"[registrar]\nexpires = {expires}\nkeep_alive = {keep_alive}\n",
        encoding="utf-8",
    )
    return str(path)


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    hold = parse_duration(args.hold, "--hold")
    shape = LoadShape(phones=args.phones, rate=parse_rate(args.rate), concurrency=args.concurrency)
    budget = secure_descriptors(
        descriptors_needed(booting=min(args.phones, args.concurrency), held=args.phones),
        f"{args.phones:,} held phones",
    )
    profile = load_profile("polycom-cx600")
    identities = generated_identities(
        args.phones, ProfileMix.parse("polycom-cx600"), {"polycom-cx600": "00:04:f2"}, seed=1
    )
    with tempfile.TemporaryDirectory() as folder:
        lab = LabProcess(
            users_toml=lab_users_toml(identities, "phonesim.test"),
            scenario=lab_scenario(Path(folder), args.keep_alive, args.expires),
        )
        endpoints = await lab.start()
        try:
            assert lab.pid is not None
            lab_pid = lab.pid
            plan = FleetPlan(
                identities,
                {"polycom-cx600": profile},
                shape,
                final_stage=LAST,
                hold=hold,
            )
            fleet = FleetRun(plan, lab_network(endpoints))
            figures = fleet.hold
            assert figures is not None
            seen: dict[str, Any] = {"peak": 0, "fleet_rss": 0.0, "lab_rss": 0.0}

            async def power_on_phones() -> str | None:
                gc.collect()
                # Before tracemalloc: its hooks hide pymalloc's own figures.
                seen["heap_before"] = heap_figures()
                if args.tracemalloc:
                    tracemalloc.start()
                    seen["snapshot"] = tracemalloc.take_snapshot()
                seen["baseline"] = rss_mib()
                seen["lab_baseline"] = rss_mib(lab_pid)
                seen["t0"] = time.monotonic()
                return await power_on()

            power_on = fleet._power_on_phones
            fleet._power_on_phones = power_on_phones  # type: ignore[method-assign]

            async def sample() -> None:
                last = -1.0
                while True:
                    await asyncio.sleep(1.0)
                    registered = figures.registered
                    if registered == args.phones and "all_held_at" not in seen:
                        seen["all_held_at"] = len(figures.keep_alive_lateness)
                        _all_held(args, seen)
                    if registered >= seen["peak"] and registered > 0:
                        seen["peak"] = registered
                        seen["fleet_rss"] = rss_mib()
                        seen["lab_rss"] = rss_mib(lab_pid)
                        seen["peak_at"] = time.monotonic() - seen.get("t0", 0.0)
                    now = time.monotonic()
                    if now - last >= args.every:
                        last = now
                        print(
                            f"{now - seen.get('t0', now):7.0f} s  registered {registered:6,}  "
                            f"fleet {rss_mib():6.1f} MiB  lab {rss_mib(lab_pid):6.1f} MiB  "
                            f"keep-alives {len(figures.keep_alive_lateness):,}",
                            flush=True,
                        )

            sampler = asyncio.ensure_future(sample())
            try:
                stats = await fleet.run()
            finally:
                sampler.cancel()
            steps = stats.summary()["steps"]
            summary = figures.summary(fleet.elapsed, steps)
        finally:
            lab.stop()
    return {
        "budget": budget,
        "seen": seen,
        "hold": summary,
        "stats": stats,
        "lateness": figures.keep_alive_lateness,
    }


def _all_held(args: argparse.Namespace, seen: dict[str, Any]) -> None:
    """Where the memory is once every phone is held (and what trimming glibc gives back)."""
    seen["heap_held"] = heap_figures()
    if args.tracemalloc:
        snapshot = tracemalloc.take_snapshot()
        seen["tracemalloc"] = tracemalloc_growth(seen.pop("snapshot"), snapshot, args.phones)
        del snapshot
        tracemalloc.stop()
    if args.trim:
        malloc_trim()
        seen["heap_trimmed"] = heap_figures()


def report(args: argparse.Namespace, result: dict[str, Any]) -> None:
    seen, hold, stats = result["seen"], result["hold"], result["stats"]
    budget = result["budget"]
    peak = seen["peak"]
    grown = seen["fleet_rss"] - seen["baseline"]
    print(
        f"phones: {args.phones:,}, hold {args.hold}, lab keep-alive {args.keep_alive} s, "
        f"asyncio TLS read buffer {args.tls_read_buffer:,} bytes (web services)"
    )
    print(
        f"open files: soft {budget.soft_before:,} -> {budget.soft:,} (hard {budget.hard:,}; "
        f"needed {budget.needed:,})"
    )
    print(f"outcomes: {dict(stats.outcomes.most_common())}")
    print(f"phones held at once (peak): {peak:,} ({seen.get('peak_at', 0):.0f} s in)")
    print(
        f"fleet RSS at the peak: {seen['fleet_rss']:.1f} MiB (at the first power-on "
        f"{seen['baseline']:.1f} MiB): {grown * 1024 / max(1, peak):.1f} KiB per held phone"
    )
    print(
        f"lab RSS at the peak: {seen['lab_rss']:.1f} MiB (at the first power-on "
        f"{seen['lab_baseline']:.1f} MiB)"
    )
    before, held = seen["heap_before"], seen.get("heap_held")
    print(f"  at the first power-on: {before.line()}")
    if held is not None:
        print(f"  all held:              {held.line()}")
        per = 1024 / args.phones
        print(
            f"  per held phone: RSS {(held.rss - before.rss) * per:.1f} KiB = glibc in use "
            f"{(held.malloc_in_use - before.malloc_in_use) * per:.1f} + glibc free "
            f"{(held.malloc_free - before.malloc_free) * per:.1f} + glibc mmapped "
            f"{(held.mmapped - before.mmapped) * per:.1f} + pymalloc arenas "
            f"{(held.pymalloc_arenas - before.pymalloc_arenas) * per:.1f} (in use "
            f"{(held.pymalloc_used - before.pymalloc_used) * per:.1f})"
        )
    trimmed = seen.get("heap_trimmed")
    if trimmed is not None:
        print(f"  after malloc_trim(0):  {trimmed.line()}")
    for line in seen.get("tracemalloc", ()):
        print(line)
    late = hold["keep_alive_lateness_seconds"] or {}
    print(f"keep-alives: {hold['keep_alives']:,}; late by {_late(late)}")
    lateness = result["lateness"]
    split = seen.get("all_held_at")
    if split is not None:
        # While phones still sign in the fleet's loop is busy with their handshakes; once
        # every phone is held, it has only the holds to carry.
        print(
            f"  while phones signed in ({split:,}): late by {_late(latency_summary(lateness[:split]))}"
        )
        print(
            f"  once all were held ({len(lateness) - split:,}): late by "
            f"{_late(latency_summary(lateness[split:]))}"
        )
    print(
        f"refreshes: {hold['refreshes']:,}; re-handshakes: {hold['rehandshakes']}; "
        f"sign-outs: {hold['sign_outs']}; hold failures: {hold['failures']}"
    )


def _late(late: dict[str, Any] | None) -> str:
    if not late:
        return "(none)"
    return ", ".join(f"{key} {late.get(key, 0) * 1000:.2f} ms" for key in ("p50", "p99", "max"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=10000)
    parser.add_argument("--hold", default="300s")
    parser.add_argument("--keep-alive", type=int, default=20, help="the lab's ms-keep-alive")
    parser.add_argument("--expires", type=int, default=300, help="the lab's register Expires")
    parser.add_argument("--rate", default="max")
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--every", type=float, default=15.0, help="progress line period, s")
    parser.add_argument(
        "--tls-read-buffer",
        type=int,
        default=tls_read_buffer.FLEET_TLS_READ_BUFFER,
        help="bytes per asyncio TLS connection in the fleet process (the web services'; "
        "asyncio's own: 262144)",
    )
    parser.add_argument(
        "--tracemalloc", action="store_true", help="Python's allocations by line once all held"
    )
    parser.add_argument(
        "--trim", action="store_true", help="malloc_trim(0) once all held, RSS before and after"
    )
    args = parser.parse_args()
    tls_read_buffer.FLEET_TLS_READ_BUFFER = args.tls_read_buffer
    report(args, asyncio.run(measure(args)))


if __name__ == "__main__":
    main()
