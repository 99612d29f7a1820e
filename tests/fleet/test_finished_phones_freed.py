"""A fleet's finished phones are freed as they finish, not left to the collector.

A phone's core, runner and figures are some forty objects; held in a reference
cycle after the boot, every one waits for a pass of the garbage collector, which
a DORA storm then pays for a few tens of microseconds per phone.
"""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path

from phonesim.app.network import lab_network
from phonesim.core.phone import Phone
from phonesim.core.stage import Stage
from phonesim.drivers.runner import PhoneRunner
from phonesim.fleet.fleet_run import FleetPlan, FleetRun
from phonesim.fleet.identities import ProfileMix, generated_identities, lab_users_toml
from phonesim.fleet.load_shape import LoadShape
from phonesim.lab.embedded_lab import EmbeddedLab
from phonesim.lab.scenario import load_scenario_text
from phonesim.profiles import load_profile


def alive(kind: type) -> int:
    return sum(isinstance(thing, kind) for thing in gc.get_objects())


def test_a_finished_phone_is_freed_without_a_collector_pass(tmp_path: Path) -> None:
    identities = generated_identities(
        40, ProfileMix.parse("polycom-cx600"), {"polycom-cx600": "00:04:f2"}, seed=9
    )
    users = tmp_path / "users.toml"
    users.write_text(lab_users_toml(identities, "phonesim.test"))
    scenario = load_scenario_text('[scenario]\nsummary = "t"\n', name="t", source="t")

    async def go() -> FleetRun:
        async with EmbeddedLab(users_file=users, scenario=scenario) as lab:
            fleet = FleetRun(
                FleetPlan(
                    identities,
                    {"polycom-cx600": load_profile("polycom-cx600")},
                    LoadShape(phones=40, rate=None, concurrency=10),
                    final_stage=Stage.DHCP,
                    key_pool=1,
                ),
                lab_network(lab.endpoints),
            )
            await fleet.run()
            return fleet

    gc.collect()
    gc.disable()
    try:
        fleet = asyncio.run(go())
        assert fleet.statistics.outcomes["success"] == 40
        assert (alive(Phone), alive(PhoneRunner)) == (0, 0)
    finally:
        gc.enable()
