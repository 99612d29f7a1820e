"""A fleet against the lab: every phone that powers on is accounted for, exactly."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

from phonesim.app.network import lab_network
from phonesim.fleet.fleet_run import INTERRUPTED, FleetPlan, FleetRun
from phonesim.fleet.identities import (
    FleetIdentity,
    ProfileMix,
    generated_identities,
    lab_users_toml,
)
from phonesim.fleet.load_shape import LoadShape
from phonesim.fleet.phone_log import PhonesCsv
from phonesim.fleet.statistics import FleetStatistics
from phonesim.lab.embedded_lab import EmbeddedLab
from phonesim.lab.scenario import load_scenario_text
from phonesim.profiles import load_profile

PROFILES = {"polycom-cx600": load_profile("polycom-cx600")}


def phones(count: int) -> list[FleetIdentity]:
    return generated_identities(
        count, ProfileMix.parse("polycom-cx600"), {"polycom-cx600": "00:04:f2"}, seed=5
    )


def run_fleet(
    tmp_path: Path, identities, lab_users, scenario_text: str = "", **plan
) -> tuple[FleetRun, list[dict]]:
    users = tmp_path / "users.toml"
    users.write_text(lab_users_toml(lab_users, "phonesim.test"))
    scenario = load_scenario_text(
        '[scenario]\nsummary = "t"\n' + scenario_text, name="t", source="t"
    )

    async def go() -> FleetRun:
        async with EmbeddedLab(users_file=users, scenario=scenario) as lab:
            fleet = FleetRun(
                FleetPlan(identities, PROFILES, key_pool=2, **plan),
                lab_network(lab.endpoints),
                phones_csv=PhonesCsv(tmp_path / "phones.csv"),
            )
            await fleet.run()
            return fleet

    fleet = asyncio.run(go())
    with (tmp_path / "phones.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    return fleet, rows


def test_injected_faults_are_counted_by_name_and_nothing_is_lost(tmp_path: Path) -> None:
    everyone = phones(240)
    known = everyone[:220]  # the last 20 numbers exist nowhere: user_unknown
    wrong_pin = "".join(
        f'[[webticket.user]]\nextension = "{p.sign_in_as}"\npin = "97531"\n' for p in known[:30]
    )
    disabled = "".join(
        f'[[webticket.user]]\nextension = "{p.sign_in_as}"\nsip_enabled = false\n'
        for p in known[30:40]
    )
    fleet, rows = run_fleet(
        tmp_path,
        everyone,
        known,
        wrong_pin + disabled,
        shape=LoadShape(phones=240, rate=400.0, concurrency=120),
        seed=3,
    )
    stats = fleet.statistics
    assert stats.started == 240 == stats.finished == len(rows)
    assert dict(stats.outcomes) == {
        "success": 180,
        "webticket.pin_rejected": 30,
        "webticket.not_sip_enabled": 10,
        "webticket.user_unknown": 20,
    }
    by_number = {row["sign_in_as"]: row["outcome"] for row in rows}
    assert by_number[known[0].sign_in_as] == "webticket.pin_rejected"
    assert by_number[everyone[-1].sign_in_as] == "webticket.user_unknown"
    assert len(stats.latencies["boot"]) == 180  # only phones that reached the challenge
    assert len(stats.latencies["dhcp"]) == 240


def test_a_dead_registrar_fails_every_phone_with_the_same_name(tmp_path: Path) -> None:
    everyone = phones(40)
    fleet, rows = run_fleet(
        tmp_path,
        everyone,
        everyone,
        '[registrar]\nstate = "down"\n',
        shape=LoadShape(phones=40, rate=None, concurrency=40),
    )
    assert dict(fleet.statistics.outcomes) == {"registrar.unreachable": 40}
    assert {row["last_stage"] for row in rows} == {"registrar"}


def test_a_dhcp_storm_stops_each_phone_after_dhcp(tmp_path: Path) -> None:
    everyone = phones(300)
    fleet, _rows = run_fleet(
        tmp_path,
        everyone,
        everyone[:1],
        shape=LoadShape(phones=300, rate=None, concurrency=300),
        final_stage="dhcp",
    )
    assert dict(fleet.statistics.outcomes) == {"success": 300}
    assert len(fleet.statistics.latencies["dns"]) == 0  # a storm asks DHCP only
    assert len(fleet.statistics.latencies["dhcp"]) == 300


def test_stopping_ends_phones_in_flight_as_interrupted(tmp_path: Path) -> None:
    everyone = phones(50)
    users = tmp_path / "users.toml"
    users.write_text(lab_users_toml(everyone, "phonesim.test"))
    silent = load_scenario_text(
        '[scenario]\nsummary = "t"\n[dhcp]\nsilent = true\n', name="t", source="t"
    )

    async def go() -> FleetRun:
        async with EmbeddedLab(users_file=users, scenario=silent) as lab:
            fleet = FleetRun(
                FleetPlan(everyone, PROFILES, shape=LoadShape(phones=50, rate=100.0), key_pool=1),
                lab_network(lab.endpoints),
            )
            task = asyncio.ensure_future(fleet.run())
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 10
            while fleet.statistics.started < 5 and loop.time() < deadline:
                await asyncio.sleep(0.01)  # phones power on, then wait for a silent DHCP
            fleet.abort()
            await task
            return fleet

    fleet = asyncio.run(go())
    stats = fleet.statistics
    assert 0 < stats.started < 50
    assert stats.finished == stats.started
    assert dict(stats.outcomes) == {INTERRUPTED: stats.started}


def test_a_phone_past_the_boot_limit_ends_as_stalled(tmp_path: Path) -> None:
    from phonesim.fleet.fleet_run import STALLED

    everyone = phones(10)
    fleet, rows = run_fleet(
        tmp_path,
        everyone,
        everyone,
        "[dhcp]\nsilent = true\n",
        shape=LoadShape(phones=10, rate=None),
        boot_limit=0.5,
    )
    assert dict(fleet.statistics.outcomes) == {STALLED: 10}
    assert {row["outcome"] for row in rows} == {STALLED}


def test_a_run_that_powers_on_every_phone_says_completed(tmp_path: Path) -> None:
    everyone = phones(10)
    fleet, _rows = run_fleet(
        tmp_path, everyone, everyone, shape=LoadShape(phones=10, rate=None), final_stage="dhcp"
    )
    assert fleet.stop_reason == "completed"


def test_a_run_bounded_by_duration_says_duration(tmp_path: Path) -> None:
    # --phones 1000 --duration 0.2s at 50/s: the duration comes first (10 phones).
    everyone = phones(1000)
    fleet, rows = run_fleet(
        tmp_path,
        everyone,
        everyone[:1],
        shape=LoadShape(phones=1000, rate=50.0, duration=0.2),
        final_stage="dhcp",
    )
    assert fleet.stop_reason == "duration"
    assert len(rows) == 10


def test_max_failures_stops_arrivals_and_says_so(tmp_path: Path) -> None:
    everyone = phones(200)
    fleet, rows = run_fleet(
        tmp_path,
        everyone,
        everyone[:1],  # every other number is unknown to the lab: user_unknown
        # Arrivals spread over four seconds: the third failure comes back long before the
        # last phone would start, however busy the machine.
        shape=LoadShape(phones=200, rate=50.0),
        final_stage="webticket",
        max_failures=3,
    )
    assert fleet.stop_reason == "max-failures (3)"
    assert 3 <= fleet.statistics.failed < 200
    assert len(rows) == fleet.statistics.started < 200


def test_a_failing_step_has_its_own_row_count_and_time_to_failure(tmp_path: Path) -> None:
    everyone = phones(30)
    fleet, rows = run_fleet(
        tmp_path,
        everyone,
        everyone,
        '[web.status]\n"/CertProv/CertProvisioningService.svc/mex" = 404\n',
        shape=LoadShape(phones=30, rate=None),
    )
    summary = fleet.statistics.summary()
    metadata = summary["steps"]["metadata"]
    assert (metadata["phones"], metadata["ok"], metadata["failed"]) == (30, 0, 30)
    assert metadata["failed_latency_seconds"]["count"] == 30
    assert summary["steps"]["webticket"]["not_reached"] == {"failed_before": 30}
    boot = summary["steps"]["boot"]
    assert boot["failed"] == 30 and boot["failed_latency_seconds"]["count"] == 30
    (row,) = summary["failures"]
    assert (row["step"], row["reason"], row["count"], row["ended_boot"]) == (
        "metadata",
        "certprov.http_404",
        30,
        True,
    )
    assert "CertProvisioningService failed at" in row["message"] and "404" in row["message"]
    assert all(float(r["boot_s"]) > 0 for r in rows)  # time to failure, per phone


def test_messages_that_name_the_phone_make_one_failures_row(tmp_path: Path) -> None:
    everyone = phones(20)
    wrong_pin = "".join(
        f'[[webticket.user]]\nextension = "{p.sign_in_as}"\npin = "97531"\n' for p in everyone
    )
    fleet, _rows = run_fleet(
        tmp_path,
        everyone,
        everyone,
        wrong_pin,
        shape=LoadShape(phones=20, rate=None),
        final_stage="webticket",
    )
    (row,) = fleet.statistics.summary()["failures"]
    assert row["reason"] == "webticket.pin_rejected" and row["count"] == 20
    assert "<ext>" in row["message"]


def test_one_users_csv_serves_the_lab_and_the_fleet(tmp_path: Path) -> None:
    from phonesim.fleet.identities import identities_from_csv

    users = tmp_path / "users.csv"
    users.write_text("ext,pin\n5559876,24680\n5559877,11223\n")
    identities = identities_from_csv(
        users, None, ProfileMix.parse("polycom-cx600"), {"polycom-cx600": "00:04:f2"}, seed=1
    )

    async def go() -> FleetRun:
        async with EmbeddedLab(users_file=users) as lab:
            fleet = FleetRun(
                FleetPlan(identities, PROFILES, shape=LoadShape(phones=2, rate=None)),
                lab_network(lab.endpoints),
            )
            await fleet.run()
            return fleet

    assert dict(asyncio.run(go()).statistics.outcomes) == {"success": 2}


def test_a_dhcp_storm_opens_no_dns_socket(tmp_path: Path, monkeypatch) -> None:
    from phonesim.drivers.shared_resolver import SharedResolver

    async def refuse(self) -> None:
        raise AssertionError("a DHCP-only fleet opened a DNS socket")

    monkeypatch.setattr(SharedResolver, "open", refuse)
    everyone = phones(5)
    fleet, _rows = run_fleet(
        tmp_path, everyone, everyone[:1], shape=LoadShape(phones=5, rate=None), final_stage="dhcp"
    )
    assert dict(fleet.statistics.outcomes) == {"success": 5}


def test_an_unreachable_dns_server_is_one_clear_error(tmp_path: Path, monkeypatch) -> None:
    import errno

    import pytest

    from phonesim.drivers.shared_resolver import SharedResolver
    from phonesim.fleet.fleet_run import FleetSetupError

    async def unreachable(self) -> None:
        raise OSError(errno.ENETUNREACH, "Network is unreachable")

    monkeypatch.setattr(SharedResolver, "open", unreachable)
    everyone = phones(2)
    with pytest.raises(
        FleetSetupError,
        match=r"cannot reach the DNS server 127\.0\.0\.1:\d+: Network is unreachable",
    ):
        run_fleet(tmp_path, everyone, everyone, shape=LoadShape(phones=2, rate=None))


def test_progress_before_the_first_phone_counts_no_time(tmp_path: Path) -> None:
    everyone = phones(3)
    users = tmp_path / "users.toml"
    users.write_text(lab_users_toml(everyone, "phonesim.test"))

    async def go() -> list[float]:
        async with EmbeddedLab(users_file=users) as lab:
            fleet = FleetRun(
                FleetPlan(everyone, PROFILES, shape=LoadShape(phones=3, rate=None)),
                lab_network(lab.endpoints),
            )
            seen = [fleet.progress().elapsed]
            task = asyncio.ensure_future(fleet.run())
            await asyncio.sleep(0)  # the run is opening its sockets, no phone is on yet
            seen.append(fleet.progress().elapsed)
            await task
            return seen

    assert asyncio.run(go()) == [0.0, 0.0]


def test_the_heap_loaded_before_the_clock_is_out_of_the_collectors_passes(
    tmp_path: Path, monkeypatch
) -> None:
    """A full collector pass over the libraries' objects stalled the first phones of a
    storm for tens of milliseconds; while phones power on, those objects are frozen."""
    import gc

    frozen_at_power_on: list[int] = []
    tracked_before = len(gc.get_objects())
    started = FleetStatistics.phone_started

    def watched(self, at, **kwargs) -> None:
        frozen_at_power_on.append(gc.get_freeze_count())
        started(self, at, **kwargs)

    monkeypatch.setattr(FleetStatistics, "phone_started", watched)
    run_fleet(
        tmp_path,
        phones(5),
        phones(5),
        shape=LoadShape(phones=5, rate=None, concurrency=5),
        final_stage="dhcp",
    )
    assert len(frozen_at_power_on) == 5
    assert min(frozen_at_power_on) >= tracked_before * 0.9
    assert gc.get_freeze_count() == 0  # collectable again once the run is over
