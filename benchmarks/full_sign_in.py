"""Full sign-ins per second against the embedded lab, and where each phone's CPU goes.

A fleet of phones signs in through the last stage given (by default the
boot's last, provisioning: DHCP, DNS, time, root chain, web ticket,
certificate, registrar, the TLS-DSK handshake and the 200 OK, in-band
provisioning and the further subscriptions) against the embedded lab in its own process, as
`fleet_bootstrap.py` runs it. Besides phones per second and each process's CPU
per phone, it prints that CPU split into the cryptography, by kind, and the
rest (phonesim, asyncio, httpx/aiohttp, zeep, lxml, the kernel's socket work).

The cryptography is measured, not estimated: `crypto_clock` wraps the library
calls that do it, in the fleet and in the lab process, with per-thread CPU
clocks (see there for what is counted). "The rest" is the process's CPU (from
/proc, user + system, 10 ms ticks: ±0.03 ms/phone at 400 phones) less the
counted cryptography. Figures are medians over the runs; each run has a fresh lab.

The clock starts when the fleet's does, at the first power-on: what a fleet does
once before it (its key pool, loading the phones' libraries) is printed apart,
since charging it to 400 phones would say little about the 401st. The fleet's
key pool (`--key-pool`, 8 keys by default) takes key generation off the sign-in
path; the last line says what a phone's own key pair would cost.

    python benchmarks/full_sign_in.py [--phones 400] [--runs 3] [--concurrency 200] [STAGE]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any

import crypto_clock
from lab_fleet import lab_and_fleet, process_cpu

import phonesim.fleet.lab_process as lab_process
from phonesim.core.flow import LAST
from phonesim.profiles import load_profile

CLOCK_SCRIPT = Path(crypto_clock.__file__).resolve()


def _counted_lab_popen(argv: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
    """The lab child, started through crypto_clock so that it counts its cryptography."""
    module = argv.index("phonesim.fleet.lab_child")
    return subprocess.Popen([argv[0], str(CLOCK_SCRIPT), *argv[module + 1 :]], **kwargs)


def _difference(after: dict[str, float], before: dict[str, float]) -> dict[str, float]:
    return {kind: after[kind] - before[kind] for kind in crypto_clock.KINDS}


async def one_run(phones: int, concurrency: int, stage: str, counters: Path) -> dict[str, float]:
    async with lab_and_fleet(phones, concurrency, stage) as (lab_pid, fleet):
        setup = time.process_time()
        start: dict[str, Any] = {}

        async def power_on_phones() -> str | None:
            """The counters are read where the fleet's own clock starts: after its key
            pool and library loading, before the first phone powers on."""
            start["setup"] = time.process_time() - setup
            start["lab_crypto"] = crypto_clock.read_lab(lab_pid, counters)
            start["own_crypto"] = crypto_clock.snapshot()
            start["lab_cpu"], start["own_cpu"] = process_cpu(lab_pid), time.process_time()
            start["wall"] = time.perf_counter()
            return await power_on()

        power_on = fleet._power_on_phones
        fleet._power_on_phones = power_on_phones  # type: ignore[method-assign]
        stats = await fleet.run()
        wall = time.perf_counter() - start["wall"]
        own_cpu = time.process_time() - start["own_cpu"]
        lab_cpu = process_cpu(lab_pid) - start["lab_cpu"]
        own_crypto = _difference(crypto_clock.snapshot(), start["own_crypto"])
        lab_crypto = _difference(crypto_clock.read_lab(lab_pid, counters), start["lab_crypto"])
    per_phone = 1000 / phones
    result = {
        "phones_per_second": stats.finished / wall,
        "signed_in": stats.outcomes["success"],
        "failed": stats.failed,
        "fleet": own_cpu * per_phone,
        "lab": lab_cpu * per_phone,
        "setup": start["setup"] * 1000,
    }
    for kind in crypto_clock.KINDS:
        result[f"fleet {kind}"] = own_crypto[kind] * per_phone
        result[f"lab {kind}"] = lab_crypto[kind] * per_phone
    for side in ("fleet", "lab"):
        crypto = sum(result[f"{side} {kind}"] for kind in crypto_clock.KINDS)
        result[f"{side} crypto"] = crypto
        result[f"{side} rest"] = result[side] - crypto
    return result


def key_generation_ms(key_type: str, keys: int = 5) -> float:
    """What one phone's own key pair costs (the fleet's key pool takes it off the sign-in)."""
    from phonesim.drivers.certificate_request import _generate

    times = []
    for _ in range(keys):
        started = time.thread_time()
        _generate(key_type)
        times.append(time.thread_time() - started)
    return statistics.median(times) * 1000


def report(median: dict[str, float], args: argparse.Namespace) -> None:
    print(
        f"median of {args.runs} runs ({args.phones} phones, concurrency {args.concurrency}, "
        f"stage {args.stage}, {os.cpu_count()} CPUs): {median['phones_per_second']:.1f} phones/s, "
        f"{median['signed_in']:.0f} signed in, {median['failed']:.0f} failed"
    )
    print(
        f"CPU per phone: fleet {median['fleet']:.3f} ms, lab {median['lab']:.3f} ms, "
        f"total {median['fleet'] + median['lab']:.3f} ms"
    )
    for kind in crypto_clock.KINDS:
        fleet, lab = median[f"fleet {kind}"], median[f"lab {kind}"]
        print(f"  crypto {kind}: fleet {fleet:.3f} ms, lab {lab:.3f} ms per phone")
    crypto = median["fleet crypto"] + median["lab crypto"]
    rest = median["fleet rest"] + median["lab rest"]
    print(
        f"cryptography: fleet {median['fleet crypto']:.3f} ms, lab {median['lab crypto']:.3f} ms, "
        f"total {crypto:.3f} ms per phone"
    )
    print(
        f"the rest: fleet {median['fleet rest']:.3f} ms, lab {median['lab rest']:.3f} ms, "
        f"total {rest:.3f} ms per phone; rest / cryptography {rest / crypto:.2f}"
    )
    cores = os.cpu_count() or 1
    print(
        f"bound: the cryptography alone allows at most {cores * 1000 / crypto:.0f} phones/s "
        f"on {cores} cores; the fleet process alone (one core) at most "
        f"{1000 / median['fleet']:.0f} phones/s, the lab's at most {1000 / median['lab']:.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=400)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument(
        "stage", nargs="?", default=str(LAST), help=f"the last stage (default: {LAST})"
    )
    args = parser.parse_args()
    crypto_clock.install()
    lab_process.subprocess = types.SimpleNamespace(  # type: ignore[assignment]
        Popen=_counted_lab_popen,
        DEVNULL=subprocess.DEVNULL,
        STDOUT=subprocess.STDOUT,
        TimeoutExpired=subprocess.TimeoutExpired,
    )
    results = []
    with tempfile.TemporaryDirectory(prefix="phonesim-crypto-") as folder:
        counters = Path(folder) / "lab-crypto.json"
        os.environ[crypto_clock.ENVIRONMENT] = str(counters)
        for number in range(1, args.runs + 1):
            result = asyncio.run(one_run(args.phones, args.concurrency, args.stage, counters))
            results.append(result)
            print(
                f"run {number}: {result['phones_per_second']:.1f} phones/s, "
                f"fleet CPU {result['fleet']:.3f} ms/phone (crypto {result['fleet crypto']:.3f}), "
                f"lab CPU {result['lab']:.3f} ms/phone (crypto {result['lab crypto']:.3f})",
                file=sys.stderr,
            )
    median = {key: statistics.median(r[key] for r in results) for key in results[0]}
    report(median, args)
    key_type = load_profile("polycom-cx600").certificate.key_type
    print(
        f"before the clock, once per fleet: {median['setup']:.0f} ms CPU (key pool of 8, "
        f"libraries); one {key_type} key pair costs {key_generation_ms(key_type):.1f} ms CPU, "
        "what each phone would add generating its own"
    )


if __name__ == "__main__":
    main()
