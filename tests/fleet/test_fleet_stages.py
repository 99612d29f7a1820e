"""`fleet --stage STAGE`: every phone stops exactly there. What the lab received proves that
nothing of a later stage left any phone (a PIN storm that was asked to stop at the root
chain would lock accounts on a production pool)."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest

from phonesim.app.network import lab_network
from phonesim.core.phone import STOP_STAGES
from phonesim.core.stage import Stage
from phonesim.fleet.fleet_run import FleetPlan, FleetRun
from phonesim.fleet.identities import ProfileMix, generated_identities, lab_users_toml
from phonesim.fleet.load_shape import LoadShape
from phonesim.fleet.phone_log import PhonesCsv
from phonesim.lab.embedded_lab import EmbeddedLab
from phonesim.lab.scenario import load_scenario
from phonesim.profiles import load_profile
from tests.cli.test_stop_after import received

PHONES = 4


@pytest.mark.parametrize("stage", STOP_STAGES)
def test_every_phone_of_a_fleet_stops_after_its_stage(tmp_path: Path, stage: str) -> None:
    identities = generated_identities(
        PHONES, ProfileMix.parse("polycom-cx600"), {"polycom-cx600": "00:04:f2"}, seed=5
    )
    users = tmp_path / "users.toml"
    users.write_text(lab_users_toml(identities, "phonesim.test"))

    async def go() -> tuple[FleetRun, Counter[str]]:
        # Phones that take their own leases need a site that gives them.
        scenario = load_scenario("vlan-from-dhcp") if stage == "lease" else None
        async with EmbeddedLab(users_file=users, scenario=scenario) as lab:
            fleet = FleetRun(
                FleetPlan(
                    identities,
                    {"polycom-cx600": load_profile("polycom-cx600")},
                    LoadShape(phones=PHONES, rate=200.0, concurrency=PHONES),
                    final_stage=stage,
                    key_pool=1,
                ),
                lab_network(lab.endpoints),
                phones_csv=PhonesCsv(tmp_path / "phones.csv"),
            )
            await fleet.run()
            return fleet, received(lab)

    fleet, sent = asyncio.run(go())
    assert dict(fleet.statistics.outcomes) == {"success": PHONES}
    later = set(STOP_STAGES[STOP_STAGES.index(stage) + 1 :])
    assert not later & set(sent), dict(sent)
    if stage in ("dhcp", "discovery"):
        assert sent["dhcp"] == PHONES
    else:
        assert sent[stage] >= PHONES, dict(sent)


def test_a_lease_storm_gives_each_phone_its_own_lease_kept_then_released() -> None:
    identities = generated_identities(
        PHONES, ProfileMix.parse("polycom-cx600"), {"polycom-cx600": "00:04:f2"}, seed=5
    )

    async def go() -> tuple[FleetRun, EmbeddedLab]:
        async with EmbeddedLab(scenario=load_scenario("vlan-from-dhcp")) as lab:
            fleet = FleetRun(
                FleetPlan(
                    identities,
                    {"polycom-cx600": load_profile("polycom-cx600")},
                    LoadShape(phones=PHONES, rate=200.0, concurrency=PHONES),
                    final_stage="lease",
                    bringup=frozenset({Stage.VLAN, Stage.LEASE}),
                ),
                lab_network(lab.endpoints),
            )
            await fleet.run()
            await asyncio.sleep(0.2)  # the RELEASEs are datagrams: let the lab read them
            return fleet, lab

    fleet, lab = asyncio.run(go())
    assert lab.dhcp is not None and lab.dhcp.enterprise is not None
    site = lab.dhcp.enterprise
    macs = {identity.mac for identity in identities}
    # Each phone's untagged lease (the VLAN query's) and its lease on VLAN 150, both given
    # back: the first when it moved, the second when the fleet stopped.
    assert {mac for mac, _ in site.released} == macs
    voice = [address for _, address in site.released if address.startswith("198.51.100.")]
    assert len(set(voice)) == PHONES
    assert fleet.leases.released == PHONES
    assert not site.leases
