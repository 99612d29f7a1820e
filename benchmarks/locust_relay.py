"""What carrying a fleet on Locust costs, next to what the engine spends on its phones.

Against a `phonesim lab` on loopback (started here), it prints:

1. record stream: the engine's CPU per phone with and without `--record-stream`
   (whole-process CPU of `phonesim fleet`, runs A B A B, medians), DHCP-only and full
   boots;
2. relay: a Locust worker's CPU per record (read the line, fire Locust's request
   events, batch, serialize the batch as Locust's channel does), measured in a child
   that imports Locust, over the records the engine wrote in (1); as a share of the
   engine's CPU per phone; with `--before REF`, the bridge of that git revision beside
   this one (runs alternating, medians);
3. master ingest: records per second on one core (Locust's message decoding plus the
   merge), and the end-of-run merge (statistics, phones.csv, report.html);
4. merged start times: one engine alone, and Locust (`locust -f` the bridge,
   `--processes 2`) at `--lag-rate` (1,000/s by default), DHCP-only, runs alternating:
   the lag of each phone's start behind the global schedule, p50/p99/max (medians of
   the runs); in the same Locust runs, the relay in place: each worker's whole CPU from
   the schedule's zero to the last phone's end (pipe wake-ups, gevent, Locust's own
   messages) per phone, and against its engine's CPU over the same time; then the
   relay in place with the engines at --rate max; with `--before REF`, that revision's
   bridge too;
5. scale-out: on a machine with at least 6 cores, N engines on Locust against N x one
   engine; on fewer it says why it cannot be shown (the lab, the master and the engines
   would share the cores).

    python benchmarks/locust_relay.py [--dhcp-phones 4000] [--full-phones 200] [--runs 3]
                                      [--before REF]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from process_tree_cpu import run_sampled

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
import importlib.util
spec = importlib.util.spec_from_file_location("relay_bridge", sys.argv[3])
bridge = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bridge)
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


def relay_costs(folder: Path, records: list[bytes], stage: str, bridge: Path) -> dict[str, float]:
    path = folder / f"records-{stage}.jsonl"
    path.write_bytes(b"".join(records))
    done = subprocess.run(
        [sys.executable, "-c", RELAY_CHILD, str(path), stage, str(bridge)],
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


def alone_lag(folder: Path, phones: int, rate: str) -> dict[str, float]:
    report = folder / "lag-alone"
    done = subprocess.run(
        [
            *(*PHONESIM, "fleet", "--json"),
            *("--lab-endpoints", str(folder / "lab.json"), "--stage", "dhcp"),
            *("--phones", str(phones), "--rate", rate, "--report", str(report)),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads((report / "summary.json").read_text())
    return dict(summary["arrivals"]["lag_seconds"])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def locust_lag(folder: Path, bridge: Path, phones: int, rate: str) -> dict[str, float]:
    """Plain `locust -f BRIDGE --processes 2`: the lag, and each relay's CPU in place."""
    report = folder / "lag-locust"
    shutil.rmtree(report, ignore_errors=True)
    port = str(free_port())
    command = [sys.executable, "-m", "locust", "-f", str(bridge), "--headless"]
    command += ["--processes", "2", "--master-bind-host", "127.0.0.1"]
    command += ["--master-bind-port", port, "--master-port", port]
    command += ["--phonesim-lab-endpoints", str(folder / "lab.json"), "--phonesim-stage", "dhcp"]
    command += ["--phonesim-phones", str(phones), "--phonesim-rate", rate]
    command += ["--phonesim-report", str(report)]
    code, seen = run_sampled(command, timeout=600)
    assert code == 0, f"locust exited {code}"
    summary = json.loads((report / "summary.json").read_text())
    # From the schedule's zero to the last phone's end: not the engines' loading before,
    # nor their own report after.
    zero = datetime.fromisoformat(summary["run"]["started_utc"]).timestamp()
    end = zero + summary["elapsed_seconds"]
    engines = [p for p in seen.values() if "--record-stream" in p.command]
    relay = sum(seen[e.parent].cpu_between(zero, end) for e in engines)
    engine = sum(e.cpu_between(zero, end) for e in engines)
    started = summary["phones_started"]
    return {
        **(summary["arrivals"]["lag_seconds"] or {}),  # none at --rate max
        "relay_us": relay / started * 1e6,
        "engine_us": engine / started * 1e6,
    }


def medians(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def lag_text(lag: dict[str, float]) -> str:
    return (
        f"p50 {lag['p50'] * 1000:.2f} ms, p99 {lag['p99'] * 1000:.2f} ms, "
        f"max {lag['max'] * 1000:.2f} ms"
    )


def this_bridge() -> Path:
    """The bridge's file, found without importing it (importing Locust patches the process)."""
    spec = importlib.util.find_spec("phonesim.locust.bridge")
    assert spec is not None and spec.origin is not None
    return Path(spec.origin)


def before_bridge(folder: Path, revision: str) -> Path:
    """The bridge as it was at `revision` (it runs on this tree's other modules)."""
    path = folder / "before" / "bridge.py"
    path.parent.mkdir(exist_ok=True)
    path.write_text(
        subprocess.run(
            ["git", "show", f"{revision}:phonesim/locust/bridge.py"],
            cwd=Path(__file__).resolve().parents[1],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    return path


def per_phone_ms(seconds: list[float], phones: int) -> float:
    return statistics.median(seconds) / phones * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dhcp-phones", type=int, default=4000)
    parser.add_argument("--full-phones", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lag-phones", type=int, default=10000)
    parser.add_argument("--lag-rate", default="1000/s")
    parser.add_argument("--before", metavar="REF", help="also the bridge of this git revision")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="phonesim-locust-bench-"))
    bridges = {"this": this_bridge()}
    if args.before:
        bridges[args.before] = before_bridge(folder, args.before)
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
            costs: dict[str, list[dict[str, float]]] = {name: [] for name in bridges}
            for _ in range(args.runs):  # A B A B
                for name, path in bridges.items():
                    costs[name].append(relay_costs(folder, records, stage, path))
            print(f"{stage}: {phones} phones, medians of {args.runs} runs each")
            print(
                f"  engine CPU per phone, whole process with its start-up: {engine:.3f} ms plain, "
                f"{with_stream:.3f} ms with --record-stream ({with_stream / engine - 1:+.1%}); "
                f"while its clock ran: {running:.3f} ms"
            )
            for name, runs in costs.items():
                cost = medians(runs)
                relay = cost["relay_cpu"] / cost["phones"] * 1000
                print(
                    f"  relay CPU per record ({name} bridge, its records replayed in memory): "
                    f"{relay * 1000:.1f} us = {relay / running:.1%} of the engine's CPU per "
                    f"phone while its clock ran; {cost['wire_bytes'] / cost['phones']:.0f} "
                    "bytes per record on Locust's channel"
                )
            cost = medians(costs["this"])
            print(
                f"  master: ingest {cost['phones'] / cost['ingest_cpu']:,.0f} records/s on one "
                f"core (decode + merge); the statistics replayed at the end "
                f"{cost['phones'] / cost['replay_cpu']:,.0f} records/s; summary, phones.csv "
                f"and report.html {cost['write_cpu']:.2f} s CPU"
            )
        lags: dict[str, list[dict[str, float]]] = {"one engine alone": []}
        lags |= {f"on Locust, {name} bridge": [] for name in bridges}
        for _ in range(args.runs):  # A B A B
            lags["one engine alone"].append(alone_lag(folder, args.lag_phones, args.lag_rate))
            for name, path in bridges.items():
                lag = locust_lag(folder, path, args.lag_phones, args.lag_rate)
                lags[f"on Locust, {name} bridge"].append(lag)
        print(
            f"start times, {args.lag_phones} phones at {args.lag_rate}, DHCP-only, lag behind "
            f"the schedule, medians of {args.runs} runs (Locust: --processes 2):"
        )
        for name, runs in lags.items():
            lag = medians(runs)
            line = f"  {name}: {lag_text(lag)}"
            if "relay_us" in lag:
                line += (
                    f"; relay in place {lag['relay_us']:.1f} us per phone = "
                    f"{lag['relay_us'] / lag['engine_us']:.1%} of its engine's CPU over the "
                    f"same time ({lag['engine_us'] / 1000:.3f} ms per phone at this rate)"
                )
            print(line)
        stormed: dict[str, list[dict[str, float]]] = {name: [] for name in bridges}
        for _ in range(args.runs):  # A B A B
            for name, path in bridges.items():
                stormed[name].append(locust_lag(folder, path, 2 * args.dhcp_phones, "max"))
        for name, runs in stormed.items():
            cost = medians(runs)
            print(
                f"relay in place, {2 * args.dhcp_phones} DHCP-only phones at --rate max on "
                f"Locust, {name} bridge: {cost['relay_us']:.1f} us per phone = "
                f"{cost['relay_us'] / cost['engine_us']:.1%} of its engine's CPU over the same "
                f"time ({cost['engine_us'] / 1000:.3f} ms per phone)"
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
