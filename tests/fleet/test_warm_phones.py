"""Power-restore storms (`fleet --warm`): the same phones are warm in every run and slice,
warm phones reboot from their kept cache and certificate (no INFORM, no PIN), and a warm
phone whose certificate has expired signs in with its PIN and is reported so."""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import json
import time
from pathlib import Path

import pytest
from rich.console import Console

from phonesim.app.network import lab_network
from phonesim.cli import main
from phonesim.fleet.end_summary import print_end_summary
from phonesim.fleet.fleet_run import FleetPlan, FleetRun
from phonesim.fleet.identities import ProfileMix, generated_identities, lab_users_toml
from phonesim.fleet.load_shape import LoadShape
from phonesim.fleet.phone_log import PhonesCsv
from phonesim.fleet.warm_choice import warm_indices
from phonesim.fleet.warm_plan import WarmPlan
from phonesim.fleet.warm_store import FleetCacheStore
from phonesim.fleet.warm_up import warm_up
from phonesim.lab.embedded_lab import EmbeddedLab
from phonesim.profiles import load_profile

PROFILES = {"polycom-cx600": load_profile("polycom-cx600")}


def fleet_cli(tmp_path: Path, capsys, name: str, *more: str) -> tuple[dict, dict[int, str]]:
    """A `fleet --lab --warm 0.5` run: its summary, and each phone's `warm` column."""
    report = tmp_path / name
    code = main(
        [
            *("fleet", "--lab", "--phones", "40", "--warm", "0.5", "--rate", "max"),
            *("--key-pool", "2", "--seed", "7", "--state-dir", str(tmp_path / "state")),
            *("--json", "--report", str(report), *more),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    with (report / "phones.csv").open() as handle:
        kinds = {int(row["index"]): row["warm"] for row in csv.DictReader(handle)}
    return json.loads(out), kinds


def warm_of(kinds: dict[int, str]) -> set[int]:
    return {index for index, kind in kinds.items() if kind != "cold"}


def test_the_same_twenty_phones_are_warm_in_every_run(tmp_path: Path, capsys) -> None:
    first, kinds_1 = fleet_cli(tmp_path, capsys, "one")
    second, kinds_2 = fleet_cli(tmp_path, capsys, "two")
    assert len(warm_of(kinds_1)) == 20 and warm_of(kinds_1) == warm_of(kinds_2)
    for summary in (first, second):
        assert summary["succeeded"] == 40
        split = summary["warm"]["phones"]
        assert split["cold"]["phones_finished"] == split["warm"]["phones_finished"] == 20
        assert split["warm"]["signed_in_as"] == {"warm": 20, "warm-pin": 0, "warm-no-cache": 0}
        assert summary["warm"]["warmed_by_pass"] == 20  # --lab: a new CA, a new pool
        # The split adds up to the whole, step by step.
        for step, whole in summary["latency_seconds"].items():
            parts = [split[k]["latency_seconds"].get(step, {"count": 0}) for k in split]
            assert sum(p["count"] for p in parts) == whole["count"], step
        # Warm phones skip DHCP, the Web Ticket and the certificate request.
        assert {"dhcp", "webticket", "certprov"}.isdisjoint(split["warm"]["latency_seconds"])
        assert {"dhcp", "webticket", "certprov"} <= set(split["cold"]["latency_seconds"])
    assert all(kinds_1[i] == "warm" for i in warm_of(kinds_1))
    page = (tmp_path / "two" / "report.html").read_text()
    assert "<h2>Cold and warm phones</h2>" in page
    assert "<td>warm</td><td>20</td><td>20</td><td>0</td>" in page
    console = Console(record=True, width=200)
    print_end_summary(console, second, tmp_path / "two")
    printed = console.export_text()
    assert "cold 20 (20 ok, 0 failed, boot p50" in printed
    assert "warm 20 (20 ok, 0 failed, boot p50" in printed
    # The state folder keeps each warm phone's cache, its key readable by the owner only.
    folders = sorted((tmp_path / "state" / "fleet").iterdir())
    assert len(folders) == 20
    assert (folders[0] / "key.pem").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "state" / "fleet").stat().st_mode & 0o777 == 0o700


def test_two_slices_warm_the_phones_one_run_does(tmp_path: Path, capsys) -> None:
    slices = [fleet_cli(tmp_path, capsys, f"slice{k}", "--slice", f"{k}/2")[1] for k in (0, 1)]
    assert set(slices[0]).isdisjoint(slices[1]) and len(slices[0]) == len(slices[1]) == 20
    warm = warm_of(slices[0]) | warm_of(slices[1])
    assert warm == set(warm_indices(40, 0.5, seed=7)) and len(warm) == 20


async def _storm(
    tmp_path: Path, expire: int = 0
) -> tuple[FleetRun, WarmPlan, WarmPlan, list, object]:
    """Warm-up pass, then the measured run, against one lab; `expire` warm phones have
    their kept certificate's end moved into the past in the state folder first."""
    everyone = generated_identities(
        40, ProfileMix.parse("polycom-cx600"), {"polycom-cx600": "00:04:f2"}, seed=3
    )
    users = tmp_path / "users.toml"
    users.write_text(lab_users_toml(everyone, "phonesim.test"))
    chosen = warm_indices(40, 0.5, seed=3)
    warm = WarmPlan(
        share=0.5,
        warm=chosen,
        store=FleetCacheStore(tmp_path / "state", [i for i in everyone if i.index in chosen]),
    )
    plan = FleetPlan(
        everyone,
        PROFILES,
        shape=LoadShape(phones=40, rate=None, concurrency=40),
        key_pool=2,
        warm=warm,
    )
    async with EmbeddedLab(users_file=users) as lab:
        network = lab_network(lab.endpoints)
        await warm_up(plan, network)
        expired = sorted(warm.caches)[:expire]
        for index in expired:
            path = warm.store.path_for(everyone[index].mac)
            cache = json.loads(path.read_text())
            cache["certificate_not_after"] = time.time() - 3600
            path.write_text(json.dumps(cache))
        if expired:
            warm.caches.clear()
            assert warm.load(everyone) == []
        answered = lab.dhcp.counts["answered"]
        tickets = set(lab.web.tickets)
        fleet = FleetRun(plan, network, phones_csv=PhonesCsv(tmp_path / "phones.csv"))
        await fleet.run()
        informs = lab.dhcp.counts["answered"] - answered
        pins = {t.user.extension for k, t in lab.web.tickets.items() if k not in tickets}
        # The next run against the same pool: the caches kept serve, no pass is needed.
        again = dataclasses.replace(warm, caches={}, from_state=0, warmed_by_pass=0)
        await warm_up(dataclasses.replace(plan, warm=again), network)
    return fleet, warm, again, [everyone[i] for i in expired], (informs, pins)


def test_warm_phones_send_no_inform_and_ask_for_no_pin(tmp_path: Path) -> None:
    fleet, warm, again, _, (informs, pins) = asyncio.run(_storm(tmp_path))
    assert dict(fleet.statistics.outcomes) == {"success": 40}
    assert warm.warmed_by_pass == 20 and warm.from_state == 0
    assert again.from_state == 20 and again.warmed_by_pass == 0
    cold = {str(6_000_000 + i) for i in range(40) if i not in warm.warm}
    assert informs == 20  # the lab answered the cold phones' INFORMs only
    assert pins == cold  # and issued web tickets (PIN sign-ins) to the cold phones only


def test_a_warm_phone_whose_certificate_expired_signs_in_with_its_pin(tmp_path: Path) -> None:
    fleet, _warm, _again, expired, (informs, pins) = asyncio.run(_storm(tmp_path, expire=3))
    assert dict(fleet.statistics.outcomes) == {"success": 40}
    assert informs == 20  # the cache still stands in for discovery
    assert {i.sign_in_as for i in expired} <= pins and len(pins) == 23
    with (tmp_path / "phones.csv").open() as handle:
        kinds = {row["sign_in_as"]: row["warm"] for row in csv.DictReader(handle)}
    assert {kinds[i.sign_in_as] for i in expired} == {"warm-pin"}
    assert list(kinds.values()).count("warm") == 17
    assert fleet.warm is not None
    split = fleet.warm.summary()["warm"]
    assert split["fell_back_to_pin"] == {"certificate_expired": 3}
    assert split["signed_in_as"] == {"warm": 17, "warm-pin": 3, "warm-no-cache": 0}


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        (["--warm", "1.5"], "--warm '1.5': give a share of the phones from 0 to 1"),
        (["--warm", "lots"], "--warm 'lots': give a share of the phones from 0 to 1"),
        (["--warm", "0.5", "--stage", "dhcp"], "--warm needs phones that sign in"),
        (["--state-dir", "x"], "--state-dir keeps warm phones' caches: give --warm too"),
    ],
)
def test_bad_warm_settings_are_one_line_each(given, problem, tmp_path: Path, capsys) -> None:
    code = main(["fleet", "--lab", "--phones", "4", "--report", str(tmp_path / "r"), *given])
    err = capsys.readouterr().err
    assert code == 2 and problem in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "r").exists()


def test_the_warm_share_is_exact_and_hangs_on_the_seed() -> None:
    assert len(warm_indices(5000, 0.8, seed=1)) == 4000
    assert warm_indices(5000, 0.8, seed=1) != warm_indices(5000, 0.8, seed=2)
    assert warm_indices(10, 0.0, seed=1) == frozenset()
