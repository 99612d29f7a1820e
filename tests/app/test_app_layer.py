"""The use cases run without the command line: a request in, a report out."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from phonesim.app.boot import BootRequest, run_boot
from phonesim.app.fleet import FleetRequest, open_report_folder, run_fleet
from phonesim.app.live_network import LiveTarget
from phonesim.app.replay import ReplayRequest, replay_capture
from phonesim.app.targets import (
    LabEndpointsTarget,
    LabTarget,
    Place,
    TargetChoiceError,
    TargetProblem,
    choose_place,
)
from phonesim.errors import UsageError
from phonesim.fleet.fleet_run import FleetRun
from phonesim.fleet.identities import ProfileMix, generated_identities, lab_users_toml
from phonesim.fleet.load_shape import LoadShape
from phonesim.fleet.statistics import FleetStatistics
from phonesim.lab.embedded_lab import EmbeddedLab
from phonesim.lab.scenario import load_scenario
from phonesim.profiles import load_profile
from phonesim.replay.capture_skim import CaptureSkim

PROFILE = load_profile("polycom-cx600")
CAPTURES = Path(__file__).parents[2] / "examples" / "captures"


def boot_request(**changes: Any) -> BootRequest:
    request = BootRequest(
        profile=PROFILE,
        sign_in_as="5551234",
        pin="13579",
        servers=LabTarget(),
        capture_enabled=False,
        seed=7,
    )
    return dataclasses.replace(request, **changes)


def test_a_boot_against_the_embedded_lab_reaches_the_registrar(tmp_path: Path) -> None:
    report = run_boot(boot_request(run_dir=tmp_path / "run"))
    assert report.result["Result"] == "Success" and report.result["ExitCode"] == 0
    assert json.loads((tmp_path / "run" / "result.json").read_text())["Result"] == "Success"


def test_the_lab_target_carries_its_scenario() -> None:
    report = run_boot(boot_request(servers=LabTarget(load_scenario("wrong-pin"))))
    assert (report.result["Result"], report.result["Stage"]) == ("Failure", "webticket")


def test_a_refused_boot_takes_away_the_run_folder_it_made(tmp_path: Path) -> None:
    made = tmp_path / "run"
    made.mkdir()
    blocked = tmp_path / "state"
    blocked.write_text("a file where the state folder should be")
    with pytest.raises(UsageError):
        run_boot(boot_request(run_dir=made, run_dir_made=True, state_dir=blocked))
    assert not made.exists()
    kept = tmp_path / "kept"
    kept.mkdir()
    with pytest.raises(UsageError):
        run_boot(boot_request(run_dir=kept, run_dir_made=False, state_dir=blocked))
    assert kept.exists()


@pytest.mark.parametrize(
    ("lab", "endpoints", "live", "scenario", "outcome"),
    [
        (True, None, LiveTarget(), True, Place.LAB),
        (False, Path("x.json"), LiveTarget(), False, Place.LAB_ENDPOINTS),
        (False, None, LiveTarget(iface="eth0"), False, Place.LIVE),
        (False, None, LiveTarget(dhcp_server="192.0.2.5", iface="eth0"), False, Place.LIVE),
        (False, None, LiveTarget(), False, TargetProblem.NONE),
        (True, Path("x.json"), LiveTarget(), False, TargetProblem.SEVERAL),
        (
            False,
            None,
            LiveTarget(dhcp_server="192.0.2.5"),
            True,
            TargetProblem.SCENARIO_WITHOUT_LAB,
        ),
    ],
)
def test_the_servers_are_named_exactly_one_way(
    lab: bool, endpoints: Path | None, live: LiveTarget, scenario: bool, outcome: object
) -> None:
    try:
        place: object = choose_place(lab=lab, lab_endpoints=endpoints, live=live, scenario=scenario)
    except TargetChoiceError as error:
        place = error.problem
    assert place == outcome


class Recorder:
    """A watcher that shows nothing: it records what it heard and waits for the end."""

    def __init__(self) -> None:
        self.heard: list[str] = []

    def lab_starting(self) -> None:
        self.heard.append("lab starting")

    async def follow(
        self, fleet: FleetRun, run: asyncio.Future[FleetStatistics]
    ) -> FleetStatistics:
        self.heard.append("following")
        return await run


def test_a_fleet_runs_and_writes_its_report_without_a_terminal(tmp_path: Path) -> None:
    identities = generated_identities(
        4, ProfileMix.parse("polycom-cx600"), {"polycom-cx600": "00:04:f2"}, seed=2
    )
    users = tmp_path / "users.toml"
    users.write_text(lab_users_toml(identities, "phonesim.test"))
    folder = open_report_folder(tmp_path / "report" / "run")
    watcher = Recorder()

    async def go() -> dict[str, object]:
        async with EmbeddedLab(users_file=users) as lab:
            endpoints = tmp_path / "lab.json"
            lab.endpoints.write(endpoints)
            report = await run_fleet(
                FleetRequest(
                    identities=identities,
                    profiles={"polycom-cx600": PROFILE},
                    shape=LoadShape(phones=4, rate=None),
                    servers=LabEndpointsTarget(endpoints),
                    report_dir=folder.path,
                    config={"phones": 4},
                    final_stage="time",
                ),
                watcher,
            )
            return report.summary

    summary = asyncio.run(go())
    assert watcher.heard == ["following"]
    assert summary["succeeded"] == 4 and summary["failed"] == 0
    assert summary["config"]["target"] == f"lab at {tmp_path / 'lab.json'}"
    written = json.loads((folder.path / "summary.json").read_text())
    assert written["succeeded"] == 4


def test_a_report_folder_nothing_was_written_to_is_taken_back(tmp_path: Path) -> None:
    folder = open_report_folder(tmp_path / "a" / "b")
    assert folder.made == (tmp_path / "a" / "b", tmp_path / "a")
    folder.withdraw()
    assert not (tmp_path / "a").exists()


def test_a_capture_is_replayed_session_by_session() -> None:
    skim = CaptureSkim(CAPTURES / "two-servers.pcapng")
    replayed = list(replay_capture(ReplayRequest(CAPTURES / "two-servers.pcapng", PROFILE), skim))
    assert replayed and all(item.chosen for item in replayed)
    assert all(item.replay is not None and item.replay.decided for item in replayed)
