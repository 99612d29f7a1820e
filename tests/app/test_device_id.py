"""The same MAC is the same device whichever way its phone boots: alone, in a fleet, replayed."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest

import phonesim.app.boot
import phonesim.fleet.fleet_run
import phonesim.replay.replay_run
from phonesim.app.boot import BootRequest, run_boot
from phonesim.app.network import lab_network
from phonesim.app.replay import ReplayRequest, replay_capture
from phonesim.app.targets import LabTarget
from phonesim.core.identity import device_id
from phonesim.core.phone_factory import make_phone
from phonesim.fleet.fleet_run import FleetPlan, FleetRun
from phonesim.fleet.identities import FleetIdentity, lab_users_toml
from phonesim.fleet.load_shape import LoadShape
from phonesim.lab.embedded_lab import EmbeddedLab
from phonesim.profiles import load_profile
from phonesim.replay.capture_skim import CaptureSkim

CAPTURE = Path(__file__).parents[2] / "examples" / "captures" / "lab-inform.pcap"
PROFILE = load_profile("polycom-cx600")


def test_the_formula_is_the_boots() -> None:
    assert device_id("00:04:f2:00:00:01") == "{C86B1D6E-A5A7-56F2-94DE-27D08FF8D2CD}"


def built_identities(monkeypatch: pytest.MonkeyPatch, module: Any) -> list[str]:
    """The DeviceId of every phone `module` builds."""
    seen: list[str] = []

    def recording(*args: Any, **kwargs: Any) -> Any:
        phone = make_phone(*args, **kwargs)
        seen.append(phone.identity.device_id)
        return phone

    monkeypatch.setattr(module, "make_phone", recording)
    return seen


def certificates_issued(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The DeviceIds the lab's CertProvisioningService issued certificates for."""
    return [
        record.args[1]
        for record in caplog.records
        if record.name == "phonesim.lab.web_core"
        and isinstance(record.args, tuple)
        and record.msg.startswith("certificate issued")
    ]


def test_one_mac_is_one_device_through_boot_fleet_and_replay(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.INFO, logger="phonesim.lab.web_core")
    skim = CaptureSkim(CAPTURE)
    mac = next(iter(skim.sessions())).client_mac
    expected = device_id(mac)

    booted = built_identities(monkeypatch, phonesim.app.boot)
    report = run_boot(
        BootRequest(
            profile=PROFILE,
            sign_in_as="5551234",
            pin="13579",
            servers=LabTarget(),
            mac=mac,
            capture_enabled=False,
            seed=3,
            final_stage="certprov",
        )
    )
    assert report.result["Phone"]["DeviceId"] == expected
    assert booted == [expected]

    fleet_built = built_identities(monkeypatch, phonesim.fleet.fleet_run)
    users = tmp_path / "users.toml"
    phone = FleetIdentity(index=0, profile=PROFILE.name, mac=mac, sign_in_as="6000000", pin="13579")
    users.write_text(lab_users_toml([phone], "phonesim.test"))

    async def fleet() -> None:
        async with EmbeddedLab(users_file=users) as lab:
            plan = FleetPlan(
                [phone], {PROFILE.name: PROFILE}, LoadShape(phones=1, rate=None), "certprov"
            )
            await FleetRun(plan, lab_network(lab.endpoints)).run()

    asyncio.run(fleet())
    assert fleet_built == [expected]
    assert certificates_issued(caplog) == [expected, expected]

    replayed = built_identities(monkeypatch, phonesim.replay.replay_run)
    replay = next(replay_capture(ReplayRequest(CAPTURE, PROFILE, session=1), CaptureSkim(CAPTURE)))
    assert replay.replay is not None and replay.session.client_mac == mac
    assert replayed == [expected]
