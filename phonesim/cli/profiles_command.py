"""`phonesim profiles`: the shipped device profiles, one line each."""

from __future__ import annotations

import argparse
from typing import Any


def register(commands: Any) -> None:
    profiles = commands.add_parser(
        "profiles", help="list the device profiles", description="List the shipped device profiles."
    )
    profiles.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from phonesim.profiles import available_profiles, load_profile_file

    table = Table()
    for column in ("profile", "model", "firmware", "MAC OUI", "sign-in"):
        table.add_column(column)
    for name, path in available_profiles().items():
        profile = load_profile_file(path)
        device = profile.device
        table.add_row(
            name,
            f"{device.vendor} {device.model}",
            device.firmware,
            device.mac_oui,
            ", ".join(device.sign_in_methods),
        )
    Console().print(table)
    return 0
