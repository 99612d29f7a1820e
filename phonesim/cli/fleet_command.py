"""`phonesim fleet`: many virtual phones against a pool, measured."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phonesim.cli.common import STAGES
from phonesim.cli.trust_ca_option import add_trust_ca_argument, trust_from_args
from phonesim.core.flow import LAST, STOP_AFTER
from phonesim.core.stage import Stage
from phonesim.errors import PhonesimError, UsageError
from phonesim.fleet.load_shape import DURATION_EXAMPLES
from phonesim.fleet.report_settings import where_settings
from phonesim.fleet.stop_reason import LAB_EXITED

if TYPE_CHECKING:
    from phonesim.app.fleet import FleetRequest
    from phonesim.app.live_network import LiveTarget
    from phonesim.app.targets import LabEndpointsTarget, LabTarget, Place
    from phonesim.fleet.fleet_run import FleetRun
    from phonesim.fleet.fleet_signals import FleetSignals
    from phonesim.fleet.identities import FleetIdentity
    from phonesim.fleet.statistics import FleetStatistics
    from phonesim.fleet.warm_plan import WarmPlan
    from phonesim.lab.scenario import LabScenario
    from phonesim.report.terminal import TerminalConsole

EXIT_SOME_FAILED = 3

EPILOG = """\
examples:
  phonesim fleet --lab --phones 2000 --rate 200/s
  phonesim fleet --phones 5000 --rate 50/s --ramp 60s --users users.csv \\
                 --mix polycom-cx600=70,aastra-6725ip=30 \\
                 --dhcp-server 192.0.2.5 --dns 192.0.2.53 --domain contoso.com \\
                 --address 192.0.2.100 --report out/
  phonesim fleet --lab --phones 50000 --stage dhcp --rate max
  phonesim fleet --lab --phones 2000 --rate 50/s --hold 30m
  phonesim fleet --lab --phones 5000 --warm 0.8 --rate max     (power restore)
  phonesim fleet --locust --processes 2 --lab --phones 2000 --rate 200/s --report out/
  phonesim fleet --locust --master --expect-workers 8 --dhcp-server 192.0.2.5 \
                 --dns 192.0.2.53 --domain contoso.com --phones 100000 --rate 500/s
  phonesim fleet --locust --worker --master-host 198.51.100.9 --address 192.0.2.101

users.csv has a header row naming at least ext,pin (and optionally mac, profile).
With --lab, phones are numbered from 6000000 with PIN 13579 and the lab knows them all.

Ctrl-C stops powering on phones and lets those in flight finish (held phones sign
out); a second Ctrl-C ends them at once (as fleet.interrupted). SIGTERM and SIGHUP stop arrivals and end
the phones in flight at once. The report is written either way.

exit codes: 0 every phone signed in (or reached its --stage); 2 bad input;
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
        "(a packet socket: needs root or CAP_NET_RAW); with --stage lease, each phone's "
        "DORA, its lease released when the fleet stops",
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
    load.add_argument(
        "--duration",
        metavar="DURATION",
        help=f"or: power phones on for this long ({DURATION_EXAMPLES})",
    )
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
        "--stage",
        choices=STAGES,
        help=f"stop each phone after this step (default: {Stage.TLSDSK}; "
        f"{Stage.PROVISIONING} with --hold)",
    )
    load.add_argument(
        "--hold",
        metavar="DURATION",
        help=f"keep each phone registered this long once signed in and provisioned "
        f"({DURATION_EXAMPLES}: refreshes, keep-alives, new security associations), then "
        "sign it out; the fleet ends when every hold has; Ctrl-C signs the held phones out",
    )
    load.add_argument(
        "--lease",
        action="store_true",
        help="each phone first takes its own lease (DORA from its own MAC, as on its voice "
        "VLAN), then sends its INFORM from the leased address; every lease is given back "
        "when the fleet stops (--lab or --iface)",
    )
    load.add_argument("--max-failures", type=int, help="stop powering on after this many failures")

    who = fleet.add_argument_group("the phones")
    who.add_argument("--users", type=Path, help="CSV of ext,pin[,mac][,profile]")
    who.add_argument(
        "--profile", default="polycom-cx600", help="device profile (default: %(default)s)"
    )
    who.add_argument("--mix", help="profiles by weight, e.g. polycom-cx600=70,aastra-6725ip=30")
    add_trust_ca_argument(who)
    who.add_argument("--seed", type=int, default=1, help="repeatable identities and jitter")
    who.add_argument(
        "--warm",
        metavar="FRACTION",
        help="this share of the phones (0-1, the same ones for the same --seed) reboot as "
        "phones that signed in before: their kept discovery cache and certificate, so no "
        "INFORM, DNS or PIN while the certificate is valid; kept in --state-dir, and the "
        "ones with none yet are signed in once, unmeasured, before the run",
    )
    who.add_argument(
        "--state-dir",
        type=Path,
        metavar="DIR",
        help="the warm phones' flash, one folder per phone under DIR/fleet "
        "(default: $PHONESIM_STATE_DIR or ~/.local/state/phonesim)",
    )
    # Given by `--locust --processes N --lab` to every engine: their pool is the lab it
    # made for this run (a new CA), as `--lab` is for one process.
    who.add_argument("--fresh-pool", choices=("yes",), help=argparse.SUPPRESS)
    who.add_argument(
        "--key-pool",
        type=int,
        default=8,
        help="key pairs shared by the phones' CSRs (default: %(default)s)",
    )

    spread = fleet.add_argument_group(
        'beyond one machine (see README "Beyond one machine"; --locust needs phonesim[locust])'
    )
    spread.add_argument(
        "--locust",
        action="store_true",
        help="run the fleet on Locust: with --processes N on this machine, or as --master / "
        "--worker across machines",
    )
    spread.add_argument(
        "--processes", type=int, metavar="N", help="with --locust: a master and N workers here"
    )
    spread.add_argument(
        "--master", action="store_true", help="with --locust: plan the fleet and merge its report"
    )
    spread.add_argument(
        "--expect-workers", type=int, metavar="N", help="with --master: start once N workers joined"
    )
    spread.add_argument(
        "--worker", action="store_true", help="with --locust: run a slice for a master"
    )
    spread.add_argument("--master-host", metavar="HOST", help="with --worker: the master's address")
    spread.add_argument(
        "--master-port",
        type=int,
        default=5557,
        metavar="PORT",
        help="Locust's master port (default: %(default)s)",
    )
    spread.add_argument(
        "--slice",
        metavar="K/N",
        help="run only the phones whose index is K modulo N, at the whole fleet's start times",
    )
    spread.add_argument(
        "--start-at",
        metavar="EPOCH|ready",
        help="the schedule's zero as Unix time (slices on several machines share it); "
        "ready: say so on --record-stream once loaded, then read it from standard input",
    )
    spread.add_argument(
        "--record-stream",
        type=int,
        metavar="FD",
        help="write each finished phone as a JSON line to this open file descriptor",
    )

    out = fleet.add_argument_group("output")
    out.add_argument("--report", type=Path, help="report folder (default: phonesim-fleets/<time>)")
    out.add_argument("--json", action="store_true", help="print the summary as JSON, no dashboard")
    # argparse reads `--rate -5/s` as two options ("expected one argument"); values that
    # start with a minus and a digit are values here, refused later with a clear line.
    fleet._negative_number_matcher = re.compile(r"^-\.?\d")
    fleet.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.locust:
        from phonesim.locust.launch import run_on_locust

        # Checked here, before Locust starts: each worker's engine would refuse it alone.
        _warm_share(args)
        if args.lease:
            raise UsageError("--lease is not available with --locust yet: use --slice K/N")
        return run_on_locust(args)
    from phonesim.app.fleet import FleetRequest, open_report_folder
    from phonesim.fleet.descriptor_budget import descriptors_needed, secure_descriptors
    from phonesim.fleet.fleet_slice import FleetSlice
    from phonesim.fleet.identities import (
        ProfileMix,
        generated_identities,
        identities_from_csv,
    )
    from phonesim.fleet.load_shape import LoadShape, parse_duration, parse_rate
    from phonesim.fleet.record_stream import RecordStream
    from phonesim.lab.scenario import UserFaults
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
    hold = _hold(args)
    mix = ProfileMix.parse(args.mix or args.profile)
    profiles = {name: load_profile(name) for name, _ in mix.weights}
    ouis = {name: p.device.mac_oui for name, p in profiles.items()}
    if args.users is not None:
        identities = identities_from_csv(args.users, shape.planned, mix, ouis, args.seed)
        for name in {i.profile for i in identities} - set(profiles):
            profiles[name] = load_profile(name)
    else:
        identities = generated_identities(shape.planned, mix, ouis, args.seed)
    fleet_slice = FleetSlice.parse(args.slice) if args.slice else None
    # Drawn over the whole fleet, before slicing: every slice agrees on each phone.
    warm = _warm(args, identities)
    start_on_stdin, start_at = _start_at(args)
    if fleet_slice is not None:
        identities = fleet_slice.identities(identities)
        shape = fleet_slice.shape(shape)
    place = _choose_place(args)
    scenario = _lab_scenario(args, place)
    supplied_trust = trust_from_args(args)
    # A scenario's user changes must fit the fleet's users: refused here, before the
    # lab starts or the report folder is made, a bad scenario leaves nothing behind.
    faults = (
        UserFaults.fit(scenario, {i.sign_in_as.lstrip("+") for i in identities})
        if scenario is not None
        else None
    )
    # Before the lab starts and the folder is made: a fleet the process cannot hold the
    # connections of is refused whole, never failed phone by phone mid-run.
    descriptors = secure_descriptors(
        descriptors_needed(
            booting=min(shape.planned, args.concurrency),
            held=shape.planned if hold is not None else 0,
        ),
        f"a fleet of {shape.planned:,} phones, {args.concurrency:,} at once"
        + (", every one held registered," if hold is not None else ","),
    )
    report_path = args.report or Path("phonesim-fleets") / time.strftime("%Y%m%dT%H%M%S")
    folder = open_report_folder(report_path)
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
        "hold": args.hold,
        "hold_seconds": hold,
        "max_failures": args.max_failures,
        "seed": args.seed,
        "key_pool": args.key_pool,
        "mix": dict(mix.weights),
        "profiles": sorted(profiles),
        "users": None if args.users is None else str(args.users),
        "open_files": descriptors.as_json(),
        "trust_ca": None if supplied_trust is None else supplied_trust.source,
        "slice": None if fleet_slice is None else str(fleet_slice),
        "start_at": args.start_at,
        "warm": args.warm,
        "lease": args.lease,
        "state_dir": None if warm is None else str(warm.store.state_dir),
    }
    config |= where_settings(args)
    request = FleetRequest(
        identities=identities,
        profiles=profiles,
        shape=shape,
        servers=_servers(args, place, scenario),
        report_dir=folder.path,
        config=config,
        final_stage=args.stage,
        seed=args.seed,
        key_pool=args.key_pool,
        max_failures=args.max_failures,
        faults=faults,
        supplied_trust=supplied_trust,
        hold=hold,
        warm=warm,
        bringup=frozenset({Stage.LEASE}) if args.lease else frozenset(),
        on_warm_up=lambda n: print(
            f"warm-up pass: signing in {n:,} warm phones first, unmeasured", file=sys.stderr
        ),
        start_at=None if start_on_stdin else start_at,
        record_stream=None
        if args.record_stream is None
        else RecordStream(args.record_stream, start_on_stdin=start_on_stdin),
    )
    if start_on_stdin:
        # Run by a Locust relay: a relay that dies takes its engine with it (SIGTERM:
        # arrivals stop, the phones in flight end), never leaving phones running unseen.
        from phonesim.fleet.lab_child import set_parent_death_signal

        set_parent_death_signal()
    try:
        return asyncio.run(_run_fleet(request, quiet=args.json))
    except PhonesimError:
        folder.withdraw()
        raise


def _warm(args: argparse.Namespace, identities: list[FleetIdentity]) -> WarmPlan | None:
    """`--warm`: which phones are warm, and where their caches are kept."""
    from phonesim.cli.common import default_state_dir
    from phonesim.fleet.warm_choice import warm_indices
    from phonesim.fleet.warm_plan import WarmPlan
    from phonesim.fleet.warm_store import FleetCacheStore

    share = _warm_share(args)
    if share is None:
        return None
    chosen = warm_indices(len(identities), share, args.seed)
    store = FleetCacheStore(
        args.state_dir or default_state_dir(), [i for i in identities if i.index in chosen]
    )
    return WarmPlan(share=share, warm=chosen, store=store, fresh_pool=args.fresh_pool == "yes")


def _warm_share(args: argparse.Namespace) -> float | None:
    """`--warm`'s share, or None; refused with a stage that never signs in."""
    from phonesim.fleet.warm_choice import parse_warm

    if args.warm is None:
        if args.state_dir is not None:
            raise UsageError("--state-dir keeps warm phones' caches: give --warm too")
        return None
    share = parse_warm(args.warm)
    stage = args.stage or LAST.value
    if stage in _BEFORE_SIGN_IN:
        raise UsageError(
            f"--warm needs phones that sign in (a warm phone reboots with the certificate "
            f"of its last sign-in): --stage tlsdsk or later, not {stage}"
        )
    return share


_BEFORE_SIGN_IN = frozenset(STOP_AFTER[: STOP_AFTER.index(Stage.TLSDSK)])


def _start_at(args: argparse.Namespace) -> tuple[bool, float | None]:
    """`--start-at`: (whether the zero comes on standard input, the zero given)."""
    if args.start_at is None:
        return False, None
    if args.start_at == "ready":
        if args.record_stream is None:
            raise UsageError("--start-at ready needs --record-stream (it says `ready` there)")
        return True, None
    try:
        return False, float(args.start_at)
    except ValueError:
        raise UsageError(
            f"--start-at {args.start_at!r}: give Unix time in seconds, or ready"
        ) from None


def _hold(args: argparse.Namespace) -> float | None:
    """`--hold DURATION` in seconds, as `boot --hold` reads it; sets `args.stage` when it
    was not given (a held phone runs to the end: provisioned)."""
    from phonesim.fleet.load_shape import parse_duration

    if args.hold is None:
        args.stage = args.stage or str(Stage.TLSDSK)
        return None
    if args.stage is not None and args.stage != str(LAST):
        raise UsageError(
            f"--hold keeps signed-in phones registered: it needs phones that run to the end "
            f"(--stage {LAST}, the default with --hold), not --stage {args.stage}"
        )
    args.stage = str(LAST)
    return parse_duration(args.hold, "--hold")


def _choose_place(args: argparse.Namespace) -> Place:
    from phonesim.app.targets import Place, TargetChoiceError, TargetProblem, choose_place
    from phonesim.cli.live_network import live_target

    try:
        place = choose_place(
            lab=bool(args.lab),
            lab_endpoints=args.lab_endpoints,
            live=live_target(args),
            scenario=bool(args.scenario),
        )
    except TargetChoiceError as error:
        if error.problem is TargetProblem.NONE:
            raise UsageError(
                "say where the servers are: --lab, --lab-endpoints FILE, --iface, or --dhcp-server"
            ) from None
        if error.problem is TargetProblem.SEVERAL:
            # --iface with --dhcp-server is one real network: unicast from that interface.
            live = "--iface" if args.iface is not None else "--dhcp-server"
            named = {Place.LAB: "--lab", Place.LAB_ENDPOINTS: "--lab-endpoints", Place.LIVE: live}
            raise UsageError(
                "choose one of --lab, --lab-endpoints, --iface/--dhcp-server (given: "
                + ", ".join(named[place] for place in error.given)
                + ")"
            ) from None
        raise UsageError("--scenario needs --lab") from None
    if place is Place.LAB and args.users is not None:
        raise UsageError("--lab makes its own users; --users is for real pools")
    return place


SITE_DHCP = "site-dhcp"
"""The lab's site when phones take their own leases and no scenario names one."""


def _lab_scenario(args: argparse.Namespace, place: Place) -> LabScenario | None:
    """The lab's scenario; phones that take leases need the site's own DHCP server in it."""
    from phonesim.app.targets import Place
    from phonesim.lab.scenario import load_scenario

    leasing = args.lease or args.stage == Stage.LEASE
    if place is Place.LAB and leasing and not args.scenario:
        args.scenario = SITE_DHCP
    scenario = load_scenario(args.scenario) if args.scenario else None
    if leasing and scenario is not None and scenario.enterprise_dhcp is None:
        raise UsageError(
            f"--scenario {args.scenario} has no site DHCP server to lease from "
            f"([enterprise_dhcp]); leave --scenario out for the lab's {SITE_DHCP!r} site"
        )
    return scenario


def _servers(
    args: argparse.Namespace, place: Place, scenario: LabScenario | None
) -> LabTarget | LabEndpointsTarget | LiveTarget:
    from phonesim.app.targets import LabEndpointsTarget, LabTarget, Place
    from phonesim.cli.live_network import live_target

    if place is Place.LAB:
        return LabTarget(scenario, scenario_source=args.scenario)
    if place is Place.LAB_ENDPOINTS:
        return LabEndpointsTarget(args.lab_endpoints)
    return live_target(args)


async def _run_fleet(request: FleetRequest, *, quiet: bool) -> int:
    from phonesim.app.fleet import run_fleet
    from phonesim.fleet.end_summary import print_end_summary
    from phonesim.fleet.fleet_signals import FleetSignals
    from phonesim.report.terminal import TerminalConsole

    console = TerminalConsole(stderr=quiet, highlight=False)
    signals = FleetSignals(lambda text: console.print(f"[yellow]{text}[/yellow]"))
    signals.install()
    try:
        report = await run_fleet(
            request, _Dashboard(console, signals, len(request.identities), quiet)
        )
    except asyncio.CancelledError:
        if signals.exit_code is None:
            raise
        console.print("stopped before the fleet started; no report written")
        return signals.exit_code
    finally:
        signals.uninstall()
    summary = report.summary
    with contextlib.suppress(OSError):  # after SIGHUP the terminal may be gone
        if quiet:
            print(json.dumps(summary, indent=2))
        else:
            print_end_summary(console, summary, report.report_dir)
        sys.stdout.flush()
    if signals.exit_code is not None:
        return signals.exit_code
    return fleet_exit_code(summary)


def fleet_exit_code(summary: dict[str, Any]) -> int:
    """3 when some phones failed, or when the lab's death stopped the run: it did less
    than asked even when no phone had failed yet (the phones in flight are cut, not
    failed), so never a 0; else 0."""
    lab_died = summary["stopped"] == LAB_EXITED
    return EXIT_SOME_FAILED if summary["failed"] or lab_died else 0


@dataclass
class _Dashboard:
    """What the terminal shows while the fleet runs; a signal reaches the fleet once it runs."""

    console: TerminalConsole
    signals: FleetSignals
    planned: int
    quiet: bool

    def lab_starting(self) -> None:
        self.console.print("starting the lab in its own process...")

    async def follow(
        self, fleet: FleetRun, run: asyncio.Future[FleetStatistics]
    ) -> FleetStatistics:
        self.signals.fleet = fleet
        return await _follow(run, fleet, self.console, self.planned, self.quiet)


async def _follow(
    task: asyncio.Future[FleetStatistics],
    fleet: FleetRun,
    console: TerminalConsole,
    planned: int,
    quiet: bool,
) -> FleetStatistics:
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
