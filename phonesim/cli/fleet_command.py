"""`phonesim fleet`: many virtual phones against a pool, measured."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

from phonesim.cli.common import STAGES
from phonesim.errors import PhonesimError, UsageError

EXIT_SOME_FAILED = 3

EPILOG = """\
examples:
  phonesim fleet --lab --phones 2000 --rate 200/s
  phonesim fleet --phones 5000 --rate 50/s --ramp 60s --users users.csv \\
                 --mix polycom-cx600=70,aastra-6725ip=30 \\
                 --dhcp-server 192.0.2.5 --dns 192.0.2.53 --domain contoso.com \\
                 --address 192.0.2.100 --report out/
  phonesim fleet --lab --phones 50000 --stage dhcp --rate max

users.csv has a header row naming at least ext,pin (and optionally mac, profile).
With --lab, phones are numbered from 6000000 with PIN 13579 and the lab knows them all.

Ctrl-C stops powering on phones and lets those in flight finish; a second Ctrl-C
ends them at once (as fleet.interrupted). SIGTERM and SIGHUP stop arrivals and end
the phones in flight at once. The report is written either way.

exit codes: 0 every phone reached the registrar's TLS-DSK challenge (or --stage); 2 bad input;
            3 some phones failed; 130 Ctrl-C; 143 SIGTERM; 129 SIGHUP.
"""


def register(commands: Any) -> None:
    fleet = commands.add_parser(
        "fleet",
        help="run many virtual phones against a pool and measure it",
        description="Power on a fleet of virtual phones on one event loop, show a live "
        "dashboard, and write a report: exact per-step latency percentiles, every phone's "
        "outcome, plots.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    where = fleet.add_argument_group("where the servers are (pick one)")
    where.add_argument(
        "--lab", action="store_true", help="start the embedded lab in a process of its own"
    )
    where.add_argument("--scenario", metavar="NAME|FILE", help="with --lab: the lab's fault")
    where.add_argument(
        "--lab-endpoints", type=Path, metavar="FILE", help="a lab from `phonesim lab`"
    )
    where.add_argument("--dhcp-server", "--server", dest="dhcp_server", metavar="IP[:PORT]")
    where.add_argument("--dns", metavar="IP[:PORT]")
    where.add_argument("--domain")
    where.add_argument("--address", help="the phones' IPv4 address (DHCPINFORM ciaddr)")
    where.add_argument(
        "--iface",
        metavar="IFACE",
        help="broadcast the phones' INFORMs on this interface, each from its own MAC "
        "(a packet socket: needs root or CAP_NET_RAW)",
    )
    where.add_argument("--giaddr", metavar="IP", help="send as a relay agent at this address")
    where.add_argument(
        "--client-port",
        type=int,
        default=68,
        metavar="PORT",
        help="the phones' DHCP client port against real servers (default: %(default)s)",
    )

    load = fleet.add_argument_group("load")
    load.add_argument("--phones", type=int, help="how many phones power on")
    load.add_argument("--duration", help="or: power phones on for this long (e.g. 60s, 5m)")
    load.add_argument(
        "--rate", default="50/s", help="phones powered on per second, or max (default: %(default)s)"
    )
    load.add_argument("--ramp", default="0s", help="grow the rate from 0 over this long")
    load.add_argument(
        "--concurrency",
        type=int,
        default=2000,
        help="most phones booting at once (default: %(default)s)",
    )
    load.add_argument(
        "--stage", choices=STAGES, default="registrar", help="stop each phone after this step"
    )
    load.add_argument("--max-failures", type=int, help="stop powering on after this many failures")

    who = fleet.add_argument_group("the phones")
    who.add_argument("--users", type=Path, help="CSV of ext,pin[,mac][,profile]")
    who.add_argument(
        "--profile", default="polycom-cx600", help="device profile (default: %(default)s)"
    )
    who.add_argument("--mix", help="profiles by weight, e.g. polycom-cx600=70,aastra-6725ip=30")
    who.add_argument("--seed", type=int, default=1, help="repeatable identities and jitter")
    who.add_argument(
        "--key-pool",
        type=int,
        default=8,
        help="key pairs shared by the phones' CSRs (default: %(default)s)",
    )

    out = fleet.add_argument_group("output")
    out.add_argument("--report", type=Path, help="report folder (default: phonesim-fleets/<time>)")
    out.add_argument("--json", action="store_true", help="print the summary as JSON, no dashboard")
    # argparse reads `--rate -5/s` as two options ("expected one argument"); values that
    # start with a minus and a digit are values here, refused later with a clear line.
    fleet._negative_number_matcher = re.compile(r"^-\.?\d")
    fleet.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from phonesim.fleet.identities import (
        ProfileMix,
        generated_identities,
        identities_from_csv,
    )
    from phonesim.fleet.load_shape import LoadShape, parse_duration, parse_rate
    from phonesim.lab.scenario import UserFaults, load_scenario
    from phonesim.profiles import load_profile

    shape = LoadShape(
        phones=args.phones,
        rate=parse_rate(args.rate),
        ramp=parse_duration(args.ramp, "--ramp", zero=True),
        duration=parse_duration(args.duration) if args.duration else None,
        concurrency=args.concurrency,
    )
    if args.key_pool < 1:
        raise UsageError("--key-pool must be at least 1")
    if args.max_failures is not None and args.max_failures < 1:
        raise UsageError("--max-failures must be at least 1")
    mix = ProfileMix.parse(args.mix or args.profile)
    profiles = {name: load_profile(name) for name, _ in mix.weights}
    ouis = {name: p.device.mac_oui for name, p in profiles.items()}
    if args.users is not None:
        identities = identities_from_csv(args.users, shape.planned, mix, ouis, args.seed)
        for name in {i.profile for i in identities} - set(profiles):
            profiles[name] = load_profile(name)
    else:
        identities = generated_identities(shape.planned, mix, ouis, args.seed)
    _check_target(args)
    scenario = load_scenario(args.scenario) if args.scenario else None
    # A scenario's user changes must fit the fleet's users: refused here, before the
    # lab starts or the report folder is made, a bad scenario leaves nothing behind.
    faults = (
        UserFaults.fit(scenario, {i.sign_in_as.lstrip("+") for i in identities})
        if scenario is not None
        else None
    )
    report_path = args.report or Path("phonesim-fleets") / time.strftime("%Y%m%dT%H%M%S")
    made = _folders_to_make(report_path)
    report_dir = _report_folder(report_path)
    config = {
        "phones": args.phones,
        "duration": args.duration,
        "duration_seconds": shape.duration,
        "rate": args.rate,
        "rate_per_second": shape.rate,
        "ramp": args.ramp,
        "ramp_seconds": shape.ramp,
        "concurrency": args.concurrency,
        "stage": args.stage,
        "max_failures": args.max_failures,
        "seed": args.seed,
        "key_pool": args.key_pool,
        "mix": dict(mix.weights),
        "profiles": sorted(profiles),
        "users": None if args.users is None else str(args.users),
    }
    try:
        return asyncio.run(
            _run_fleet(args, identities, profiles, shape, report_dir, config, scenario, faults)
        )
    except PhonesimError:
        _withdraw(made)
        raise


def _check_target(args: argparse.Namespace) -> None:
    # --iface with --dhcp-server is one real network: unicast from that interface.
    chosen = [
        name
        for name, given in (
            ("--lab", bool(args.lab)),
            ("--lab-endpoints", args.lab_endpoints is not None),
            ("--iface", args.iface is not None),
            ("--dhcp-server", args.dhcp_server is not None and args.iface is None),
        )
        if given
    ]
    if not chosen:
        raise UsageError(
            "say where the servers are: --lab, --lab-endpoints FILE, --iface, or --dhcp-server"
        )
    if len(chosen) > 1:
        raise UsageError(
            "choose one of --lab, --lab-endpoints, --iface/--dhcp-server (given: "
            + ", ".join(chosen)
            + ")"
        )
    if args.scenario and not args.lab:
        raise UsageError("--scenario needs --lab")
    if args.lab and args.users is not None:
        raise UsageError("--lab makes its own users; --users is for real pools")


def _report_folder(path: Path) -> Path:
    """Create the report folder now, before any phone or lab starts: a report that cannot
    be written is bad input, not something to find out after the run."""
    if path.exists() and not path.is_dir():
        raise UsageError(f"--report {path}: exists and is not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".phonesim-write-test"
        probe.touch()
        probe.unlink()
    except OSError as error:
        raise UsageError(
            f"--report {path}: cannot write there ({error.strerror or error})"
        ) from None
    return path


def _folders_to_make(path: Path) -> list[Path]:
    """The folders `_report_folder` will create for `path`, deepest first."""
    made = []
    while not path.exists() and path != path.parent:
        made.append(path)
        path = path.parent
    return made


def _withdraw(made: list[Path]) -> None:
    """Take back the report folders a run refused after they were made (the lab would
    not start, a socket could not be opened): only folders nothing was written into."""
    from phonesim.fleet.fleet_report import PHONES

    for folder in made:
        with contextlib.suppress(OSError):
            phones = folder / PHONES
            if phones.exists() and len(phones.read_bytes().splitlines()) <= 1:
                phones.unlink()  # its header, no phone
            folder.rmdir()  # refuses a folder that holds anything else


def _live_network(args: argparse.Namespace) -> Any:
    """Where real servers are, read as `phonesim boot` reads it (DNS and domain default
    to the machine's lease); a fleet keeps no capture of its own packets. A DHCP storm
    (`--stage dhcp`) asks DHCP only, so it needs neither a DNS server nor a domain."""
    from phonesim.cli.live_network import live_network

    args.mac = None
    args.capture = None
    args.no_capture = True
    if args.stage == "dhcp":
        args = argparse.Namespace(**vars(args))
        args.dns = args.dns or _NO_DNS_SERVER
        args.domain = args.domain or ""
    return live_network(args).network


_NO_DNS_SERVER = "0.0.0.0"
"""Stands in for a DNS server a DHCP-only fleet never asks (no socket is opened to it)."""


async def _run_fleet(
    args: argparse.Namespace,
    identities: list[Any],
    profiles: dict[str, Any],
    shape: Any,
    report_dir: Path,
    config: dict[str, Any],
    scenario: Any,
    faults: Any,
) -> int:
    from phonesim.app.network import lab_network
    from phonesim.fleet.end_summary import print_end_summary
    from phonesim.fleet.fleet_report import PHONES, fleet_summary, write_report
    from phonesim.fleet.fleet_run import FleetPlan, FleetRun
    from phonesim.fleet.fleet_signals import FleetSignals
    from phonesim.fleet.identities import lab_users_toml
    from phonesim.fleet.lab_process import LabProcess
    from phonesim.fleet.phone_log import PhonesCsv
    from phonesim.lab.embedded_lab import LabEndpoints
    from phonesim.report.terminal import TerminalConsole

    console = TerminalConsole(stderr=args.json, highlight=False)
    signals = FleetSignals(lambda text: console.print(f"[yellow]{text}[/yellow]"))
    signals.install()
    lab: LabProcess | None = None
    try:
        if args.lab:
            console.print("starting the lab in its own process...")
            lab = LabProcess(
                users_toml=lab_users_toml(identities, "phonesim.test", faults),
                scenario=args.scenario,
                users_written=True,
            )
            network = lab_network(await lab.start())
            target = "embedded lab" + (f", scenario {args.scenario}" if args.scenario else "")
        elif args.lab_endpoints is not None:
            network = lab_network(LabEndpoints.from_file(args.lab_endpoints))
            target = f"lab at {args.lab_endpoints}"
        else:
            network = _live_network(args)
            target = (
                f"interface {args.iface}"
                if args.dhcp_server is None
                else f"DHCP {args.dhcp_server}"
            ) + (", DHCP only" if args.stage == "dhcp" else f", DNS {network.dns_server[0]}")
        plan = FleetPlan(
            identities=identities,
            profiles=profiles,
            shape=shape,
            final_stage=args.stage,
            seed=args.seed,
            key_pool=args.key_pool,
            max_failures=args.max_failures,
        )
        fleet = FleetRun(plan, network, phones_csv=PhonesCsv(report_dir / PHONES))
        signals.fleet = fleet
        task = asyncio.ensure_future(fleet.run())
        watch = asyncio.ensure_future(_watch_lab(lab, fleet)) if lab is not None else None
        try:
            statistics = await _follow(task, fleet, console, len(identities), args.json)
        finally:
            if watch is not None:
                watch.cancel()
        summary = fleet_summary(
            statistics,
            config={
                **config,
                "target": target,
                "scenario": None if scenario is None else scenario.name,
                "scenario_expects": None
                if scenario is None or scenario.expect is None
                else scenario.expect.reason or scenario.expect.result.lower(),
            },
            elapsed=fleet.elapsed,
            started_wall=fleet.started_wall,
            stop_reason=fleet.stop_reason,
            udp_drops=fleet.udp_drops.summary(),
            arrivals=fleet.arrivals(),
            loop_lag=fleet.loop_lag.summary(),
        )
        write_report(report_dir, statistics, summary)
    except asyncio.CancelledError:
        if signals.exit_code is None:
            raise
        console.print("stopped before the fleet started; no report written")
        return signals.exit_code
    finally:
        signals.uninstall()
        if lab is not None:
            lab.stop()
    with contextlib.suppress(OSError):  # after SIGHUP the terminal may be gone
        if args.json:
            print(json.dumps(summary, indent=2))
        else:
            print_end_summary(console, summary, report_dir)
        sys.stdout.flush()
    if signals.exit_code is not None:
        return signals.exit_code
    return EXIT_SOME_FAILED if summary["failed"] else 0


async def _follow(task: Any, fleet: Any, console: Any, planned: int, quiet: bool) -> Any:
    """Show the fleet's progress until it ends; its statistics. A terminal that goes away
    (SIGHUP) ends the display, not the run."""
    from rich.live import Live

    from phonesim.fleet.dashboard import LatencyPanel, progress_line, render

    panel = LatencyPanel()

    try:
        if quiet:
            pass
        elif console.is_terminal:
            with Live(
                render(fleet.progress(), planned, panel), console=console, refresh_per_second=4
            ) as live:
                while not task.done():
                    await asyncio.wait([task], timeout=0.25)
                    live.update(render(fleet.progress(), planned, panel))
        else:
            while not task.done():
                await asyncio.wait([task], timeout=5)
                # One log line per report, whatever its length: never split mid-figure.
                console.print(progress_line(fleet.progress(), planned), soft_wrap=True)
    except OSError:
        pass
    return await task


async def _watch_lab(lab: Any, fleet: Any) -> None:
    """A lab that dies mid-run would leave every phone waiting for its time-outs."""
    from phonesim.fleet.stop_reason import LAB_EXITED

    while not lab.exited():
        await asyncio.sleep(0.5)
    fleet.stop(LAB_EXITED)
    fleet.abort()
