"""The one-machine proof: a fleet carried by Locust (master + 2 workers) is the fleet.

Two engine slices of 200 phones each, exact percentiles from every raw sample,
Locust's own counts equal to phonesim's, the same phones as one process; a killed
engine is counted as lost (exit 3), Ctrl-C on the master ends with a report (130).
Loopback only: the lab, the master's port and the engines all on 127.0.0.1.
"""

from __future__ import annotations

import csv
import json
import math
import signal
import subprocess
import sys
import time
from collections import defaultdict
from fractions import Fraction
from pathlib import Path

import psutil

from phonesim.fleet.load_shape import LoadShape
from tests.distributed.conftest import Lab, start_locust, wait_for

DHCP_STORM = (
    "--phonesim-phones",
    "400",
    "--phonesim-rate",
    "100/s",
    "--phonesim-stage",
    "dhcp",
    "--phonesim-seed",
    "7",
)


def rank(ordered: list[float], percent: float) -> float:
    """Nearest rank, written out here so the test does not lean on the code it checks."""
    return ordered[max(1, math.ceil(Fraction(str(percent)) * len(ordered) / 100)) - 1]


def shard_frames(shards: Path) -> dict[int, list[dict]]:
    frames = {}
    for k in (0, 1):
        lines = (shards / f"slice-{k}.jsonl").read_text().splitlines()
        frames[k] = [json.loads(line) for line in lines]
    return frames


def identities(phones_csv: Path) -> set[tuple[str, str, str, str]]:
    with phones_csv.open() as handle:
        return {
            (r["index"], r["profile"], r["mac"], r["sign_in_as"]) for r in csv.DictReader(handle)
        }


def test_two_slices_on_locust_are_the_one_machine_run(tmp_path: Path, lab: Lab) -> None:
    run = start_locust(tmp_path, lab, *DHCP_STORM)
    assert run.wait() == 0, run.log.read_text()[-3000:]
    summary = run.summary()
    assert summary["phones_started"] == summary["phones_finished"] == 400
    assert summary["accounting_complete"] is True and summary["record_gaps"] == []

    # Exactly two slices of 200, by index modulo 2, with no duplicate and no gap.
    with (run.out / "phones.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    by_slice = defaultdict(list)
    for row in rows:
        by_slice[int(row["slice"])].append(int(row["index"]))
    assert sorted(by_slice) == [0, 1]
    for k, indices in by_slice.items():
        assert sorted(indices) == list(range(k, 400, 2))
    # Two engine processes, each of which did the work, behind two Locust workers.
    workers = summary["workers"]
    assert len({w["engine_pid"] for w in workers}) == 2
    assert len({w["client_id"] for w in workers}) == 2
    assert all(w["cpu_seconds"] > 0 and w["phones_started"] == 200 for w in workers)

    # Percentiles: bit for bit those of every raw sample the engines sent.
    frames = shard_frames(run.shards)
    samples: dict[str, list[float]] = defaultdict(list)
    phones = [f for k in frames for f in frames[k] if f["t"] == "phone"]
    assert len(phones) == 400
    for frame in phones:
        for stage, seconds in frame["samples"]:
            samples[stage].append(seconds)
    assert set(summary["latency_seconds"]) == set(samples) == {"dhcp", "boot"}
    for stage, values in samples.items():
        ordered = sorted(values)
        reported = summary["latency_seconds"][stage]
        assert reported["count"] == len(ordered)
        for percent in (50.0, 90.0, 99.0, 99.9):
            assert reported[f"p{percent:g}"].hex() == round(rank(ordered, percent), 6).hex()
        assert reported["max"].hex() == round(ordered[-1], 6).hex()

    # Locust's own request counts are phonesim's.
    with (run.out / "locust_stats.csv").open() as handle:
        locust_counts = {
            r["Name"]: int(r["Request Count"])
            for r in csv.DictReader(handle)
            if r["Type"] == "phone"
        }
    assert locust_counts == {stage: len(values) for stage, values in samples.items()}

    # The merged starts follow the one global schedule.
    shape = LoadShape(phones=400, rate=100.0)
    lags = sorted(f["started"] - f["scheduled"] for f in phones)
    assert all(f["scheduled"] == shape.start_offset(f["index"]) for f in phones)
    assert rank(lags, 99.0) < 0.25  # generous: master, 2 relays, 2 engines, lab, 2 cores

    # The same phones as one process with the same seed.
    alone = tmp_path / "alone"
    done = subprocess.run(
        [
            *(
                sys.executable,
                "-m",
                "phonesim",
                "fleet",
                "--json",
                "--lab-endpoints",
                str(lab.endpoints),
            ),
            *("--phones", "400", "--rate", "max", "--stage", "dhcp", "--seed", "7"),
            *("--report", str(alone)),
        ],
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert identities(alone / "phones.csv") == identities(run.out / "phones.csv")


def engine_of(run, k: int) -> psutil.Process:  # type: ignore[no-untyped-def]
    for child in psutil.Process(run.process.pid).children(recursive=True):
        command = child.cmdline()
        if "--record-stream" in command and f"{k}/2" in command:
            return child
    raise AssertionError(f"no engine for slice {k}")


def test_a_killed_engine_is_counted_as_lost(tmp_path: Path, lab: Lab) -> None:
    run = start_locust(
        tmp_path, lab, "--phonesim-phones", "100", "--phonesim-rate", "10/s",
    )  # fmt: skip
    wait_for(lambda: run.phone_lines(0) >= 10, "slice 0's 10th phone")
    # The lab paused for a second: the engine dies with the phones it powered on meanwhile
    # still waiting for their answers.
    lab.process.send_signal(signal.SIGSTOP)
    try:
        time.sleep(1.0)
        engine_of(run, 0).send_signal(signal.SIGKILL)
    finally:
        lab.process.send_signal(signal.SIGCONT)
    assert run.wait() == 3, run.log.read_text()[-3000:]
    summary = run.summary()
    assert summary["accounting_complete"] is False
    lost_slice = summary["workers"][0]
    assert lost_slice["lost"].startswith("the engine ended (killed by signal 9)")
    with (run.out / "phones.csv").open() as handle:
        finished_0 = sum(1 for r in csv.DictReader(handle) if r["slice"] == "0")
    lost = lost_slice["phones_started"] - finished_0
    assert lost > 0 and len(lost_slice["lost_phones"]) == lost
    assert summary["outcomes"]["fleet.worker_lost"] == lost
    assert summary["phones_started"] - summary["phones_finished"] == lost
    # The other slice ran to its end: all 50 of its phones signed in.
    assert summary["workers"][1]["lost"] is None
    assert summary["workers"][1]["phones_started"] == 50
    assert summary["outcomes"]["success"] == 50 + finished_0


def test_a_killed_worker_is_counted_as_lost_and_takes_its_engine(tmp_path: Path, lab: Lab) -> None:
    run = start_locust(
        tmp_path, lab, "--phonesim-phones", "100", "--phonesim-rate", "10/s",
    )  # fmt: skip
    wait_for(lambda: run.phone_lines(0) >= 10, "slice 0's 10th phone")
    engine = engine_of(run, 0)
    engine.parent().send_signal(signal.SIGKILL)  # the Locust worker relaying slice 0
    engine.wait(30)  # gone with its worker, not left running phones nobody counts
    assert run.wait() == 3, run.log.read_text()[-3000:]
    summary = run.summary()
    lost_slice = summary["workers"][0]
    assert lost_slice["lost"].startswith("worker ") and "went missing" in lost_slice["lost"]
    assert summary["accounting_complete"] is False
    lost = summary["phones_started"] - summary["phones_finished"]
    assert summary["outcomes"].get("fleet.worker_lost", 0) == lost == lost_slice["phones_lost"]
    assert summary["workers"][1]["lost"] is None
    assert summary["workers"][1]["phones_started"] == 50


def test_ctrl_c_on_the_master_ends_with_a_report(tmp_path: Path, lab: Lab) -> None:
    run = start_locust(
        tmp_path, lab, "--phonesim-phones", "2000", "--phonesim-rate", "40/s",
        "--phonesim-stage", "dhcp",
    )  # fmt: skip
    wait_for(lambda: run.phone_lines(0) + run.phone_lines(1) >= 60, "60 phones")
    run.process.send_signal(signal.SIGINT)
    assert run.wait() == 130, run.log.read_text()[-3000:]
    summary = run.summary()
    assert summary["stopped"] == "interrupted"
    assert 60 <= summary["phones_finished"] < 2000
    # The engines stopped powering on and let their phones finish: nothing unaccounted.
    assert summary["phones_finished"] == summary["phones_started"]
    assert summary["accounting_complete"] is True
    assert all(worker["lost"] is None for worker in summary["workers"])
    assert (run.out / "report.html").stat().st_size > 0


def test_max_failures_stops_every_slice_and_pins_stay_on_the_workers(
    tmp_path: Path, lab: Lab
) -> None:
    users = tmp_path / "users.csv"  # the lab's numbers with a PIN it refuses
    users.write_text("ext,pin\n" + "".join(f"{6_000_000 + i},97531\n" for i in range(400)))
    run = start_locust(
        tmp_path, lab, "--phonesim-phones", "400", "--phonesim-rate", "20/s",
        "--phonesim-users", str(users), "--phonesim-max-failures", "10",
    )  # fmt: skip
    assert run.wait() == 3, run.log.read_text()[-3000:]
    summary = run.summary()
    assert summary["stopped"] == "max-failures (10)"
    assert summary["outcomes"]["webticket.pin_rejected"] >= 10
    assert summary["phones_started"] < 100  # both slices stopped, not each after its own 10
    assert summary["accounting_complete"] is True
    # The PIN crossed no Locust message: the relays' streams never held it.
    for k in (0, 1):
        assert b"97531" not in (run.shards / f"slice-{k}.jsonl").read_bytes()
