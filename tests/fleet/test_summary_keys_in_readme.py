"""summary.json has the keys the README documents, no more and no fewer, in real runs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from phonesim.cli import main
from phonesim.fleet.statistics import NOT_REACHED_REASONS

README = Path(__file__).resolve().parents[2] / "README.md"
PHONES = 5


def documented_keys(after: str) -> set[str]:
    """The backticked keys in the first column of the table that follows `after`."""
    text = README.read_text(encoding="utf-8")
    start = text.index(after)
    table = re.search(r"\n\| key \| meaning \|\n\| --- \| --- \|\n((?:\|.*\n)+)", text[start:])
    assert table is not None, after
    keys = set()
    for row in table.group(1).splitlines():
        first = row.split("|")[1]
        keys |= set(re.findall(r"`([^`]+)`", first))
    return keys


def documented_reasons() -> set[str]:
    text = README.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| `not_reached` |"))
    meaning = row.split("|")[2]
    return set(re.findall(r"`([a-z_]+)`", meaning)) - {"--stage"}


def fleet_summary_for(stage: str, tmp_path: Path, capsys) -> dict:
    load = ["--phones", str(PHONES), "--rate", "max", "--stage", stage, "--key-pool", "1"]
    code = main(["fleet", "--lab", *load, "--json", "--report", str(tmp_path / stage)])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize("stage", ["discovery", "rootchain"])
def test_summary_keys_are_the_documented_ones(stage: str, tmp_path: Path, capsys) -> None:
    summary = fleet_summary_for(stage, tmp_path, capsys)
    assert set(summary) == documented_keys("`summary.json` holds:")
    reasons = documented_reasons()
    assert reasons == set(NOT_REACHED_REASONS)
    for step in summary["steps"].values():
        assert set(step) == documented_keys("Per step it holds:")
        assert set(step["not_reached"]) <= reasons
        assert step["phones"] + sum(step["not_reached"].values()) == summary["phones_finished"]


def test_discovery_counts_the_query_it_stopped_waiting_for(tmp_path: Path, capsys) -> None:
    steps = fleet_summary_for("discovery", tmp_path, capsys)["steps"]
    dns = steps["dns"]
    attempts = sum(dns[k] for k in ("ok", "failed", "timed_out", "interrupted", "not_needed"))
    assert attempts >= dns["phones"] == PHONES
    assert steps["time"]["not_reached"] == {"stopped_as_asked": PHONES}


def test_the_steps_after_the_stage_say_the_phones_stopped_as_asked(tmp_path: Path, capsys) -> None:
    steps = fleet_summary_for("rootchain", tmp_path, capsys)["steps"]
    for stage in ("metadata", "webticket", "certprov", "registrar"):
        assert steps[stage]["phones"] == 0
        assert steps[stage]["not_reached"] == {"stopped_as_asked": PHONES}, stage
    assert steps["rootchain"]["ok"] == PHONES
