"""What carrying a fleet on Locust costs, next to what the engine spends on its phones.

Against a `phonesim lab` on loopback (started here), it prints:

1. record stream: the engine's CPU per phone with and without `--record-stream`
   (whole-process CPU of `phonesim fleet`, runs A B A B, medians), DHCP-only and full
   boots;
2. relay: a Locust worker's CPU per record (read the line, fire Locust's request
   events, batch, serialize the batch as Locust's channel does), measured in a child
   that imports Locust, over the records the engine wrote in (1); as a share of the
   engine's CPU per phone;
3. master ingest: records per second on one core (Locust's message decoding plus the
   merge), and the end-of-run merge (statistics, phones.csv, report.html);
4. merged start times: `phonesim fleet --locust --processes 2` at `--rate` (1,000/s by
   default), DHCP-only: the lag of each phone's start behind the global schedule, p99;
5. scale-out: on a machine with at least 6 cores, N engines on Locust against N x one
   engine; on fewer it says why it cannot be shown (the lab, the master and the engines
   would share the cores).

    python benchmarks/locust_relay.py [--dhcp-phones 4000] [--full-phones 200] [--runs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PHONESIM = [sys.executable, "-m", "phonesim"]


def start_lab(folder: Path, users: int) -> subprocess.Popen[bytes]:
    (folder / "users.csv").write_text(
        "ext,pin\n" + "".join(f"{6_000_000 + i},13579\n" for i in range(users))
    )
    lab = subprocess.Popen(
        [
            *(*PHONESIM, "lab", "--endpoints-file", str(folder / "lab.json")),
            *("--users", str(folder / "users.csv")),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while not (folder / "lab.json").exists():
        time.sleep(0.1)
    return lab


def engine_cpu(folder: Path, phones: int, stage: str, stream: bool) -> tuple[float, list[bytes]]:
    """CPU seconds of one `phonesim fleet` process (and the record lines it wrote)."""
    command = [*PHONESIM, "fleet", "--json", "--lab-endpoints", str(folder / "lab.json")]
    command += ["--phones", str(phones), "--rate", "max", "--stage", stage]
    command += ["--concurrency", "200", "--report", str(folder / f"r-{stage}-{stream}")]
    read, write = os.pipe()
    if stream:
        command += ["--record-stream", str(write)]
    child = subprocess.Popen(command, pass_fds=(write,), stdout=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read, "rb") as lines:
        records = list(lines)
    _, status, usage = os.wait4(child.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, f"the fleet failed ({stage})"
    return usage.ru_utime + usage.ru_stime, records


RELAY_CHILD = r"""
import json, sys, time
from locust import events
from locust.env import Environment
from locust.rpc.protocol import Message
from phonesim.locust import bridge
from phonesim.locust.merged_fleet import MergedFleet

lines = open(sys.argv[1], "rb").read().splitlines()
env = Environment(user_classes=[bridge.FleetSlice], events=events)
runner = env.create_local_runner()
wire = []
runner.send_message = lambda kind, data=None, client_id=None: wire.append(
    Message(kind, data, "worker").serialize()
)
relay = bridge._Relay(env, {"slice": 0, "slices": 1, "start_at": 0.0})
began = time.process_time()
for number, line in enumerate(lines, 1):
    relay.line(line)
    if number % 500 == 0:
        relay._send_batch()
relay._send_batch()
relay_cpu = time.process_time() - began
phones = relay.finished
merged = MergedFleet(1, final_stage=sys.argv[2], config={}, rate=None)
began = time.process_time()
for raw in wire:
    merged.records(Message.unserialize(raw).data)
ingest_cpu = time.process_time() - began
merged.slice_done({"slice": 0, "batches": relay.seq, "started": phones})
began = time.process_time()
merged.statistics()
replay_cpu = time.process_time() - began
import tempfile, pathlib
began = time.process_time()
merged.write(pathlib.Path(tempfile.mkdtemp()))
write_cpu = time.process_time() - began
print(json.dumps({"phones": phones, "relay_cpu": relay_cpu, "ingest_cpu": ingest_cpu,
                  "replay_cpu": replay_cpu, "write_cpu": write_cpu,
                  "wire_bytes": sum(map(len, wire))}))
"""


def relay_costs(folder: Path, records: list[bytes], stage: str) -> dict[str, float]:
    path = folder / f"records-{stage}.jsonl"
    path.write_bytes(b"".join(records))
    done = subprocess.run(
        [sys.executable, "-c", RELAY_CHILD, str(path), stage],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_cpu(records: list[bytes]) -> tuple[float, int]:
    """The engine's own CPU while its clock ran (its progress frames: the first is sent
    once libraries and keys are loaded) and its phones."""
    frames = [json.loads(line) for line in records]
    progress = [f for f in frames if f["t"] == "progress"]
    phones = sum(1 for f in frames if f["t"] == "phone")
    return progress[-1]["cpu_seconds"] - progress[0]["cpu_seconds"], phones


def start_lag(folder: Path, phones: int, rate: str, *locust: str) -> dict[str, float]:
    report = folder / f"lag{len(locust)}"
    done = subprocess.run(
        [
            *(*PHONESIM, "fleet", *locust, "--json"),
            *("--lab-endpoints", str(folder / "lab.json"), "--stage", "dhcp"),
            *("--phones", str(phones), "--rate", rate, "--report", str(report)),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads((report / "summary.json").read_text())
    return summary["arrivals"]["lag_seconds"]


def per_phone_ms(seconds: list[float], phones: int) -> float:
    return statistics.median(seconds) / phones * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dhcp-phones", type=int, default=4000)
    parser.add_argument("--full-phones", type=int, default=200)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--lag-phones", type=int, default=10000)
    parser.add_argument("--lag-rate", default="1000/s")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="phonesim-locust-bench-"))
    lab = start_lab(folder, args.full_phones)
    try:
        for stage, phones in (("dhcp", args.dhcp_phones), ("tlsdsk", args.full_phones)):
            plain, streamed, records = [], [], []
            for _ in range(args.runs):  # A B A B
                plain.append(engine_cpu(folder, phones, stage, stream=False)[0])
                cpu, records = engine_cpu(folder, phones, stage, stream=True)
                streamed.append(cpu)
            engine = per_phone_ms(plain, phones)
            with_stream = per_phone_ms(streamed, phones)
            clock_cpu, clock_phones = run_cpu(records)
            running = clock_cpu / clock_phones * 1000
            costs = relay_costs(folder, records, stage)
            relay = costs["relay_cpu"] / costs["phones"] * 1000
            print(f"{stage}: {phones} phones, medians of {args.runs} runs each")
            print(
                f"  engine CPU per phone, whole process with its start-up: {engine:.3f} ms plain, "
                f"{with_stream:.3f} ms with --record-stream ({with_stream / engine - 1:+.1%}); "
                f"while its clock ran: {running:.3f} ms"
            )
            print(
                f"  relay CPU per record: {relay * 1000:.1f} us = {relay / running:.1%} of the "
                f"engine's CPU per phone while its clock ran; "
                f"{costs['wire_bytes'] / costs['phones']:.0f} bytes per record on Locust's channel"
            )
            print(
                f"  master: ingest {costs['phones'] / costs['ingest_cpu']:,.0f} records/s on one "
                f"core (decode + merge); the statistics replayed at the end "
                f"{costs['phones'] / costs['replay_cpu']:,.0f} records/s; summary, phones.csv "
                f"and report.html {costs['write_cpu']:.2f} s CPU"
            )
        for name, locust in (
            ("one engine alone", ()),
            ("on Locust (--processes 2)", ("--locust", "--processes", "2")),
        ):
            lag = start_lag(folder, args.lag_phones, args.lag_rate, *locust)
            print(
                f"start times, {args.lag_phones} phones at {args.lag_rate}, {name}: lag behind "
                f"the schedule p50 {lag['p50'] * 1000:.2f} ms, p99 {lag['p99'] * 1000:.2f} ms, "
                f"max {lag['max'] * 1000:.2f} ms"
            )
        cores = os.cpu_count() or 1
        if cores < 6:
            print(
                f"scale-out: not measured: this machine has {cores} cores; N engines against "
                "N x one needs a core per engine besides the lab's and the master's (6 or more)"
            )
        else:
            print(scale_out(folder, cores - 2, args.dhcp_phones))
    finally:
        lab.send_signal(signal.SIGINT)
        lab.wait()


def scale_out(folder: Path, workers: int, phones: int) -> str:
    def rate(*extra: str) -> float:
        report = folder / f"scale-{len(extra)}"
        subprocess.run(
            [
                *(*PHONESIM, "fleet", "--json", "--lab-endpoints", str(folder / "lab.json")),
                *("--stage", "dhcp", "--rate", "max", "--report", str(report), *extra),
            ],
            capture_output=True,
            check=True,
            timeout=900,
        )
        return float(json.loads((report / "summary.json").read_text())["phones_per_second"])

    one = rate("--phones", str(phones))
    many = rate("--phones", str(phones * workers), "--locust", "--processes", str(workers))
    return (
        f"scale-out: {workers} engines on Locust {many:,.0f} phones/s, one engine {one:,.0f}: "
        f"{many / (workers * one):.2f} of {workers} x one"
    )


if __name__ == "__main__":
    main()
