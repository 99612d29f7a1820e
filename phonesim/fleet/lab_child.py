"""The fleet's lab process: the embedded lab, serving until its parent fleet says stop or dies.

Run as `python -m phonesim.fleet.lab_child`. A lab left running after its
fleet ended holds ports and a core for nothing, so this process ends when the
fleet does, however the fleet ends: the kernel signals it when its parent
dies (PR_SET_PDEATHSIG), and, should that be missed (the parent died before
it was set, or a platform without it), it notices that its parent pid
changed. It is started in a session of its own, so a Ctrl-C typed at the
fleet's terminal reaches only the fleet, which decides what the lab does.
When it stops, it removes the fleet's lab folder itself, since a fleet that
died cannot.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import json
import os
import shutil
import signal
import sys
from dataclasses import replace
from pathlib import Path

from phonesim.errors import PhonesimError

ENDPOINTS = "lab.json"
USERS = "users.toml"
PARENT_CHECK_SECONDS = 0.5
_PR_SET_PDEATHSIG = 1


def set_parent_death_signal(signum: int = signal.SIGTERM) -> bool:
    """Ask Linux to send `signum` when the parent exits; False where that cannot be done."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m phonesim.fleet.lab_child")
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--parent", type=int, required=True, help="the fleet's pid")
    parser.add_argument("--domain", default="phonesim.test")
    parser.add_argument("--scenario")
    parser.add_argument(
        "--users-written",
        action="store_true",
        help="the scenario's user changes are already in the users file (see UserFaults)",
    )
    args = parser.parse_args(argv)
    set_parent_death_signal()
    if os.getppid() != args.parent:  # the fleet died before the line above took effect
        _remove(args.folder)
        return 1
    try:
        asyncio.run(_serve(args))
    except PhonesimError as error:
        print(f"phonesim: error: {error}", file=sys.stderr)
        return 2  # the fleet reads this from lab.log, then removes the folder
    # Stopped by the fleet, or because it died: the folder is of no more use either
    # way, and a fleet that died cannot remove it. (The parent pid alone cannot tell:
    # the death signal can come while the dying fleet's other threads still hold it.)
    _remove(args.folder)
    return 0


async def _serve(args: argparse.Namespace) -> None:
    from phonesim.fleet.preload import load_lab_libraries
    from phonesim.fleet.tls_read_buffer import small_tls_read_buffers
    from phonesim.lab.embedded_lab import EmbeddedLab
    from phonesim.lab.layout import LabLayout
    from phonesim.lab.scenario import load_scenario

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(signum, stop.set)
    loop.add_signal_handler(signal.SIGINT, lambda: None)  # the fleet decides
    users = args.folder / USERS
    scenario = load_scenario(args.scenario) if args.scenario else None
    if scenario is not None and args.users_written:
        scenario = replace(scenario, users=())
    lab = EmbeddedLab(
        LabLayout(domain=args.domain),
        users_file=users if users.exists() else None,
        scenario=scenario,
    )
    load_lab_libraries()  # before the fleet is told the lab is ready (see preload)
    # The lab answers each held phone on a connection of its own, as the fleet holds it.
    buffers = small_tls_read_buffers()
    buffers.__enter__()
    endpoints = await lab.start()
    try:
        # Written whole, then renamed: the fleet waits for this file.
        target = args.folder / ENDPOINTS
        partial = target.with_name(target.name + ".partial")
        partial.write_text(json.dumps(endpoints.to_json()) + "\n")
        partial.replace(target)
        watch = loop.create_task(_watch_parent(args.parent, stop))
        await stop.wait()
        watch.cancel()
    finally:
        await lab.close()
        buffers.__exit__(None, None, None)


async def _watch_parent(parent: int, stop: asyncio.Event) -> None:
    while os.getppid() == parent:
        await asyncio.sleep(PARENT_CHECK_SECONDS)
    stop.set()


def _remove(folder: Path) -> None:
    with contextlib.suppress(OSError):
        shutil.rmtree(folder)


if __name__ == "__main__":
    sys.exit(main())
