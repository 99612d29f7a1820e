"""A fleet of generated CX600s and the embedded lab in its own process, ready to run: the
set-up the fleet benchmarks share (`fleet_bootstrap.py`, `full_sign_in.py`,
`fleet_marginal_cpu.py`), so that
their figures are of the same fleet against the same lab.

Imported by those scripts from this folder (`python benchmarks/<script>.py`).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from phonesim.app.network import lab_network
from phonesim.fleet.fleet_run import FleetPlan, FleetRun
from phonesim.fleet.identities import ProfileMix, generated_identities, lab_users_toml
from phonesim.fleet.lab_process import LabProcess
from phonesim.fleet.load_shape import LoadShape
from phonesim.profiles import load_profile

PROFILE = "polycom-cx600"
TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """A process's CPU so far (user + system), in seconds, from /proc (10 ms ticks)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


@asynccontextmanager
async def lab_and_fleet(
    phones: int, concurrency: int, stage: str, *, seed: int = 1, settle: float = 0.5
) -> AsyncIterator[tuple[int, FleetRun]]:
    """A fresh lab (its process id) and a fleet of `phones` that signs in to it through
    `stage`, the lab given `settle` seconds after start-up; the lab stops when the block
    ends."""
    profile = load_profile(PROFILE)
    identities = generated_identities(
        phones, ProfileMix.parse(PROFILE), {PROFILE: "00:04:f2"}, seed=seed
    )
    lab = LabProcess(users_toml=lab_users_toml(identities, "phonesim.test"))
    endpoints = await lab.start()
    try:
        assert lab.pid is not None
        plan = FleetPlan(
            identities,
            {PROFILE: profile},
            LoadShape(phones=phones, rate=None, concurrency=concurrency),
            final_stage=stage,
        )
        fleet = FleetRun(plan, lab_network(endpoints))
        await asyncio.sleep(settle)
        yield lab.pid, fleet
    finally:
        lab.stop()
