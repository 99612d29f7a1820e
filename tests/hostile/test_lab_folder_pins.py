"""D24: the users file of a fleet's lab holds every phone's PIN: private, and gone after."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

from phonesim.fleet.identities import ProfileMix, generated_identities, lab_users_toml
from phonesim.fleet.lab_child import USERS
from phonesim.fleet.lab_process import LabProcess


async def _while_running() -> tuple[int, int, Path]:
    phones = generated_identities(
        5, ProfileMix.parse("polycom-cx600"), {"polycom-cx600": "00:04:f2"}, 1
    )
    users = lab_users_toml(phones, "phonesim.test")
    lab = LabProcess(users_toml=users)
    try:
        await lab.start()
        folder = lab.folder
        assert folder is not None
        return (
            stat.S_IMODE((folder / USERS).stat().st_mode),
            stat.S_IMODE(folder.stat().st_mode),
            folder,
        )
    finally:
        lab.stop()


def test_the_users_file_is_private_and_removed_with_the_lab() -> None:
    users_mode, folder_mode, folder = asyncio.run(_while_running())
    assert users_mode == 0o600
    assert folder_mode == 0o700
    assert not folder.exists()
