"""Slices of one schedule: n slices together are the one-process fleet, phone for phone."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from pathlib import Path

import pytest

from phonesim.app.network import lab_network
from phonesim.core.stage import Stage
from phonesim.errors import UsageError
from phonesim.fleet.fleet_run import FleetPlan, FleetRun
from phonesim.fleet.fleet_slice import FleetSlice
from phonesim.fleet.identities import ProfileMix, generated_identities, lab_users_toml
from phonesim.fleet.load_shape import LoadShape
from phonesim.fleet.record_stream import ShippedSteps
from phonesim.lab.embedded_lab import EmbeddedLab
from phonesim.profiles import load_profile

PROFILES = {name: load_profile(name) for name in ("polycom-cx600", "aastra-6725ip")}
MIX = ProfileMix.parse("polycom-cx600=2,aastra-6725ip=1")
OUIS = {name: p.device.mac_oui for name, p in PROFILES.items()}
SHAPE = LoadShape(phones=60, rate=600.0, ramp=0.05, concurrency=10)


def run_slice(tmp_path: Path, part: FleetSlice | None) -> list[dict]:
    """Frames of every phone one engine ran (the whole fleet when `part` is None)."""
    everyone = generated_identities(SHAPE.planned, MIX, OUIS, seed=11)
    identities = everyone if part is None else part.identities(everyone)
    shape = SHAPE if part is None else part.shape(SHAPE)
    users = tmp_path / "users.toml"
    users.write_text(lab_users_toml(everyone, "phonesim.test"))
    read, write = os.pipe()
    lines: list[bytes] = []
    reader = threading.Thread(target=lambda: lines.extend(os.fdopen(read, "rb")))
    reader.start()

    async def go() -> None:
        from phonesim.fleet.record_stream import RecordStream

        async with EmbeddedLab(users_file=users) as lab:
            plan = FleetPlan(identities, PROFILES, shape=shape, final_stage=Stage.DHCP, seed=11)
            await FleetRun(
                plan, lab_network(lab.endpoints), record_stream=RecordStream(write)
            ).run()

    asyncio.run(go())
    reader.join(10)
    frames = [json.loads(line) for line in lines]
    assert frames[-1]["t"] == "end"
    return [frame for frame in frames if frame["t"] == "phone"]


def who_and_when(frames: list[dict]) -> list[tuple]:
    return sorted(
        (f["index"], f["profile"], f["mac"], f["sign_in_as"], f["scheduled"]) for f in frames
    )


def test_two_slices_are_the_one_process_run(tmp_path: Path) -> None:
    whole = run_slice(tmp_path, None)
    first = run_slice(tmp_path, FleetSlice(0, 2))
    second = run_slice(tmp_path, FleetSlice(1, 2))
    assert {f["index"] for f in first} == set(range(0, 60, 2))
    assert {f["index"] for f in second} == set(range(1, 60, 2))
    # Same phones, same schedule (read by global index), no duplicate and no gap.
    assert who_and_when(first + second) == who_and_when(whole)
    assert [f["index"] for f in first + second].count(0) == 1
    assert len(whole) == 60 and {f["outcome"] for f in whole} == {"success"}
    # Each frame carries the raw samples the statistics are made of.
    steps = ShippedSteps.of(first[0])
    assert [stage for stage, _ in steps.samples] == ["dhcp", "boot"]


def test_a_slice_shares_concurrency_and_refuses_bad_text() -> None:
    assert FleetSlice.parse("1/3").shape(SHAPE).concurrency == 4
    for text in ("3/3", "a/b", "1/0", "-1/2"):
        with pytest.raises(UsageError, match="--slice"):
            FleetSlice.parse(text)
