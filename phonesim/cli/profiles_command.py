"""`phonesim profiles`: the shipped device profiles, one line each."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from phonesim.core.profile import DeviceProfile


def register(commands: Any) -> None:
    profiles = commands.add_parser(
        "profiles",
        help="list the device profiles",
        description="List the shipped device profiles.",
        epilog="examples:\n  phonesim profiles\n  phonesim profiles --json\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    profiles.add_argument(
        "--json",
        action="store_true",
        help="print the profiles as JSON: a list of {name, vendor, model, firmware, mac_oui, "
        "user_agent, sign_in_methods, file}",
    )
    profiles.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rich.table import Table

    from phonesim.profiles import available_profiles, load_profile_file
    from phonesim.report.terminal import TerminalConsole

    shipped = available_profiles()
    loaded = {name: load_profile_file(path) for name, path in shipped.items()}
    if args.json:
        listed = [profile_json(name, loaded[name], path) for name, path in shipped.items()]
        print(json.dumps(listed, indent=2))
        return 0
    table = Table()
    for column in ("profile", "model", "firmware", "MAC OUI", "sign-in"):
        table.add_column(column)
    for name, profile in loaded.items():
        device = profile.device
        table.add_row(
            name,
            f"{device.vendor} {device.model}",
            device.firmware,
            device.mac_oui,
            ", ".join(device.sign_in_methods),
        )
    TerminalConsole().print(table)
    return 0


def profile_json(name: str, profile: DeviceProfile, path: Path) -> dict[str, Any]:
    device = profile.device
    return {
        "name": name,
        "vendor": device.vendor,
        "model": device.model,
        "firmware": device.firmware,
        "mac_oui": device.mac_oui,
        "user_agent": device.user_agent,
        "sign_in_methods": list(device.sign_in_methods),
        "file": str(path),
    }
