"""`phonesim fleet --locust`: the fleet's own options, run as a Locust master or worker.

A thin wrapper: it checks the options, starts the lab when asked (one machine only:
the lab is on loopback), and runs `locust -f` on the bridge with every phonesim option
as `--phonesim-*`. Locust's process is a child, so this process never imports
Locust (importing it monkey-patches everything) and passes its exit code on.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from phonesim.errors import UsageError
from phonesim.fleet.fleet_report import SUMMARY
from phonesim.locust.engine_command import FLEET_OPTIONS, MACHINE_OPTIONS

LOOPBACK = "127.0.0.1"


def run_on_locust(args: argparse.Namespace) -> int:
    roles = [name for name, given in _roles(args).items() if given]
    if len(roles) != 1:
        raise UsageError(
            "--locust needs one of --processes N (this machine), --master or --worker"
            + (f" (given: {', '.join(roles)})" if roles else "")
        )
    if importlib.util.find_spec("locust") is None:
        raise UsageError("--locust needs Locust: pip install 'phonesim[locust]'")
    if args.hold is not None:
        raise UsageError("--hold is not available with --locust yet: run held fleets alone")
    if args.slice or args.start_at is not None or args.record_stream is not None:
        raise UsageError("--slice, --start-at and --record-stream are the bridge's to give")
    if args.lab and args.processes is None:
        raise UsageError(
            "--lab starts the lab on this machine's loopback: only with --processes N; "
            "across machines start `phonesim lab` or name real servers"
        )
    if args.processes is not None and args.processes < 1:
        raise UsageError("--processes must be at least 1")
    if args.worker and not args.master_host:
        raise UsageError("--worker needs --master-host HOST (the master's address)")
    if args.master and args.expect_workers is None:
        raise UsageError("--master needs --expect-workers N: the run starts once N have joined")
    if args.worker:
        return _run(_locust_command(args, _fleet_values(args)), None)
    from phonesim.app.fleet import open_report_folder

    report = args.report or Path("phonesim-fleets") / time.strftime("%Y%m%dT%H%M%S")
    open_report_folder(report)
    values = _fleet_values(args)
    lab = _start_lab(args) if args.lab else None
    try:
        if lab is not None:
            values["lab_endpoints"] = str(lab.folder / "lab.json") if lab.folder else None
            # A lab made for this run has a new CA: warm phones' kept certificates are
            # not its own, so each engine's warm-up pass warms them all.
            values["fresh_pool"] = "yes"
        code = _run(_locust_command(args, values, report), report if args.json else None)
    finally:
        if lab is not None:
            lab.stop()
    return code


def _roles(args: argparse.Namespace) -> dict[str, bool]:
    return {
        "--processes": args.processes is not None,
        "--master": bool(args.master),
        "--worker": bool(args.worker),
    }


def _fleet_values(args: argparse.Namespace) -> dict[str, str | None]:
    values: dict[str, str | None] = {}
    for key, _ in (*FLEET_OPTIONS, *MACHINE_OPTIONS):
        value = getattr(args, key, None)
        values[key] = None if value is None else str(value)
    values["stage"] = args.stage or "tlsdsk"
    if not args.client_port or args.client_port == 68:
        values["client_port"] = None  # the engine's own default
    return values


def _locust_command(
    args: argparse.Namespace, values: dict[str, str | None], report: Path | None = None
) -> list[str]:
    bridge = importlib.util.find_spec("phonesim.locust.bridge")
    assert bridge is not None and bridge.origin is not None
    command = [sys.executable, "-m", "locust", "-f", bridge.origin]
    if args.processes is not None:
        port = _free_port()
        command += [
            "--headless",
            "--processes",
            str(args.processes),
            "--master-bind-host",
            LOOPBACK,
            "--master-bind-port",
            str(port),
            "--master-port",
            str(port),
        ]
    elif args.master:
        command += [
            "--master",
            "--headless",
            "--expect-workers",
            str(args.expect_workers),
            "--master-bind-port",
            str(args.master_port),
        ]
    else:
        command += [
            "--worker",
            "--master-host",
            args.master_host,
            "--master-port",
            str(args.master_port),
        ]
    for key, value in values.items():
        if value is not None:
            command += [f"--phonesim-{key.replace('_', '-')}", value]
    if report is not None:
        command += [
            "--phonesim-report",
            str(report),
            "--csv",
            str(report / "locust"),
            "--html",
            str(report / "locust.html"),
        ]
    return command


def _free_port() -> int:
    """A TCP port free on loopback for the master: `--processes` forks the workers
    before the master binds, so port 0 would leave them not knowing where to go."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def _start_lab(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from phonesim.fleet.identities import ProfileMix, generated_identities, lab_users_toml
    from phonesim.fleet.lab_process import LabProcess
    from phonesim.fleet.load_shape import LoadShape, parse_duration, parse_rate
    from phonesim.profiles import load_profile

    shape = LoadShape(
        phones=args.phones,
        rate=parse_rate(args.rate),
        duration=parse_duration(args.duration) if args.duration else None,
    )
    mix = ProfileMix.parse(args.mix or args.profile)
    ouis = {name: load_profile(name).device.mac_oui for name, _ in mix.weights}
    identities = generated_identities(shape.planned, mix, ouis, args.seed)
    lab = LabProcess(
        users_toml=lab_users_toml(identities, "phonesim.test"),
        scenario=args.scenario,
        users_written=True,
    )
    asyncio.run(lab.start())
    return lab


def _run(command: list[str], report: Path | None) -> int:
    """Locust in a child; a signal here is passed on once, to Locust's master alone
    (which stops the slices, writes the report and exits 130 on Ctrl-C). In a session
    of its own, so that a Ctrl-C at the terminal does not also reach the workers and
    engines directly: Locust would end its workers at once, their phones unreported."""
    child = subprocess.Popen(command, start_new_session=True)

    def forward(signum: int, _frame: FrameType | None) -> None:
        child.send_signal(signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        code = child.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if report is not None and (report / SUMMARY).exists():
        print(json.dumps(json.loads((report / SUMMARY).read_text("utf-8")), indent=2))
    return code
