"""A power-restore storm carried by Locust (`--warm` with master + 2 workers): each worker
warms its own phones before it says it is ready, the same phones are warm as in one
process with the same seed, and the master's report splits cold and warm as one
process's does. Loopback only: the lab, the master's port and the engines on 127.0.0.1."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

from phonesim.fleet.warm_choice import warm_indices
from tests.distributed.conftest import Lab, start_locust

STORM = ("--phones", "40", "--rate", "40/s", "--seed", "7", "--key-pool", "2", "--warm", "0.5")


def kinds(phones_csv: Path) -> dict[int, str]:
    with phones_csv.open() as handle:
        return {int(row["index"]): row["warm"] for row in csv.DictReader(handle)}


def counts(warm: dict) -> dict:
    """The split without its timings: what two runs of one fleet must agree on."""
    return {
        **{key: warm[key] for key in ("share", "from_state", "warmed_by_pass", "warm_up_failed")},
        "phones": {
            kind: {
                **{key: value for key, value in figures.items() if key != "latency_seconds"},
                "steps": {step: s["count"] for step, s in figures["latency_seconds"].items()},
            }
            for kind, figures in warm["phones"].items()
        },
    }


def test_workers_warm_their_phones_and_the_master_splits_cold_and_warm(
    tmp_path: Path, lab: Lab
) -> None:
    state = tmp_path / "state"
    # One process with the same seed, against the same lab, beside the Locust run (the
    # test's time is the longer of the two, not their sum).
    alone = tmp_path / "alone"
    one_process = subprocess.Popen(
        [
            *(sys.executable, "-m", "phonesim", "fleet", "--json"),
            *("--lab-endpoints", str(lab.endpoints), *STORM),
            *("--state-dir", str(tmp_path / "state-alone"), "--report", str(alone)),
        ],
        stdout=(tmp_path / "alone.json").open("wb"),
        stderr=(tmp_path / "alone.log").open("wb"),
    )
    run = start_locust(
        tmp_path,
        lab,
        *(f"--phonesim-{option[2:]}" if option.startswith("--") else option for option in STORM),
        *("--phonesim-state-dir", str(state)),
    )
    assert run.wait() == 0, run.log.read_text()[-3000:]
    summary = run.summary()
    assert summary["outcomes"] == {"success": 40} and summary["accounting_complete"] is True
    assert [w["phones_started"] for w in summary["workers"]] == [20, 20]

    try:
        one_process.wait(120)
    finally:
        if one_process.poll() is None:
            one_process.kill()
            one_process.wait()
    assert one_process.returncode == 0, (tmp_path / "alone.log").read_text()[-2000:]
    one = json.loads((tmp_path / "alone.json").read_text())

    # The same 20 phones are warm, each signed in with its kept certificate.
    merged_kinds = kinds(run.out / "phones.csv")
    warm = {index for index, kind in merged_kinds.items() if kind != "cold"}
    assert warm == set(warm_indices(40, 0.5, seed=7)) and len(warm) == 20
    assert merged_kinds == kinds(alone / "phones.csv")
    assert {merged_kinds[index] for index in warm} == {"warm"}
    # The master's split is the one process's: counts, outcomes, how the warm phones
    # began, each slice's warm-up pass summed (every warm phone warmed by a pass).
    assert counts(summary["warm"]) == counts(one["warm"])
    assert summary["warm"]["warmed_by_pass"] == 20 and summary["warm"]["from_state"] == 0
    assert summary["warm"]["phones"]["warm"]["signed_in_as"]["warm"] == 20
    # The split adds up to the whole, step by step, percentiles included.
    split = summary["warm"]["phones"]
    assert split["cold"]["latency_seconds"]["dhcp"]["count"] == 20
    for step, whole in summary["latency_seconds"].items():
        parts = [split[k]["latency_seconds"].get(step, {"count": 0})["count"] for k in split]
        assert sum(parts) == whole["count"], step

    # Warm phones sent no INFORM: no DHCP sample in any warm phone's record.
    frames = [
        json.loads(line)
        for k in (0, 1)
        for line in (run.shards / f"slice-{k}.jsonl").read_text().splitlines()
    ]
    phones = {f["index"]: f for f in frames if f["t"] == "phone"}
    assert len(phones) == 40
    for index, frame in phones.items():
        informed = any(stage == "dhcp" for stage, _ in frame["samples"])
        assert informed == (index not in warm), index
    # Each worker kept its warm phones' caches in its own state folder.
    assert len(list((state / "fleet").iterdir())) == 20
    page = (run.out / "report.html").read_text()
    assert "<h2>Cold and warm phones</h2>" in page
    assert "<td>warm</td><td>20</td><td>20</td><td>0</td>" in page
