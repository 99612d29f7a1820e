"""The master's merge: every record counted once, anything missing said."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from phonesim.locust.merged_fleet import WORKER_LOST, MergedFleet


def frame(index: int, seconds: float, outcome: str = "success") -> dict:
    return {
        "t": "phone",
        "index": index,
        "profile": "polycom-cx600",
        "mac": f"00:04:f2:00:00:{index:02x}",
        "sign_in_as": str(6_000_000 + index),
        "started": index * 0.01,
        "scheduled": index * 0.01,
        "waited": False,
        "ended": index * 0.01 + seconds,
        "outcome": outcome,
        "last_stage": "dhcp",
        "detail": "",
        "samples": [["dhcp", seconds], ["boot", seconds]],
        "failures": [],
        "reached": ["boot", "dhcp"],
        "not_needed": [],
    }


def batch(k: int, seq: int, *frames: dict) -> dict:
    return {"slice": k, "seq": seq, "lines": b"\n".join(json.dumps(f).encode() for f in frames)}


def merged() -> MergedFleet:
    return MergedFleet(2, final_stage="dhcp", config={}, rate=100.0, start_at=1_700_000_000.0)


def done(k: int, batches: int, started: int, lost: str | None = None) -> dict:
    return {"slice": k, "batches": batches, "started": started, "finished": 0, "lost": lost}


def test_two_slices_merge_into_one_exact_report(tmp_path: Path) -> None:
    fleet = merged()
    fleet.records(batch(0, 0, frame(0, 0.003), frame(2, 0.001)))
    fleet.records(batch(1, 0, frame(1, 0.002)))
    fleet.records(batch(1, 1, frame(3, 0.004)))
    assert not fleet.all_done
    fleet.slice_done(done(0, 1, 2))
    fleet.slice_done(done(1, 2, 2))
    assert fleet.all_done
    summary = fleet.write(tmp_path)
    assert summary["phones_finished"] == summary["phones_started"] == 4
    assert summary["latency_seconds"]["dhcp"]["p50"] == 0.002
    assert summary["latency_seconds"]["dhcp"]["max"] == 0.004
    assert summary["accounting_complete"] is True and fleet.exit_code(summary) == 0
    with (tmp_path / "phones.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["index"], r["slice"]) for r in rows] == [
        ("0", "0"),
        ("1", "1"),
        ("2", "0"),
        ("3", "1"),
    ]


def test_a_skipped_batch_makes_the_accounting_incomplete(tmp_path: Path) -> None:
    fleet = merged()
    fleet.records(batch(0, 0, frame(0, 0.003)))
    fleet.records(batch(0, 2, frame(4, 0.003)))
    fleet.slice_done(done(0, 3, 2))
    fleet.slice_done(done(1, 0, 0))
    summary = fleet.write(tmp_path)
    assert summary["record_gaps"] == ["slice 0: batch 2 arrived when 1 was due"]
    assert summary["accounting_complete"] is False and fleet.exit_code(summary) == 3


def test_a_lost_slice_counts_its_phones_as_worker_lost(tmp_path: Path) -> None:
    fleet = merged()
    fleet.records(batch(0, 0, frame(0, 0.003)))
    fleet.progress({"slice": 1, "started": 3})
    fleet.slice_done(done(0, 1, 1))
    fleet.slice_lost(1, "worker w1 went missing")
    summary = fleet.write(tmp_path)
    assert summary["outcomes"][WORKER_LOST] == 3
    assert summary["phones_started"] == 4 and summary["phones_finished"] == 1
    assert summary["workers"][1]["lost"] == "worker w1 went missing"
    assert summary["accounting_complete"] is False and fleet.exit_code(summary) == 3


def test_ctrl_c_is_130_whatever_the_phones_did(tmp_path: Path) -> None:
    fleet = merged()
    fleet.slice_done(done(0, 0, 0))
    fleet.slice_done(done(1, 0, 0))
    fleet.interrupted = True
    summary = fleet.write(tmp_path)
    assert summary["stopped"] == "interrupted" and fleet.exit_code(summary) == 130


def test_max_failures_is_counted_over_every_slice(tmp_path: Path) -> None:
    fleet = MergedFleet(
        2, final_stage="dhcp", config={"max_failures": 2}, rate=None, max_failures=2
    )
    fleet.records(batch(0, 0, frame(0, 0.003, "dhcp.no_answer"), frame(2, 0.001)))
    assert not fleet.failures_reached()
    fleet.records(batch(1, 0, frame(1, 0.002, "dhcp.no_answer")))
    assert fleet.failures_reached()  # one slice's failure each: the fleet's two
    assert not fleet.failures_reached()  # said once
    fleet.slice_done({**done(0, 1, 2), "stopped": "interrupted (Ctrl-C)"})
    fleet.slice_done({**done(1, 1, 1), "stopped": "interrupted (Ctrl-C)"})
    summary = fleet.write(tmp_path)
    assert summary["stopped"] == "max-failures (2)" and fleet.exit_code(summary) == 3
