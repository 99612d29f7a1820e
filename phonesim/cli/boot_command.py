"""`phonesim boot`: one virtual phone, its timeline and its result."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phonesim.app.targets import TargetProblem
from phonesim.cli.common import STAGES, default_state_dir
from phonesim.cli.live_network import (
    add_live_arguments,
    bringup_from_args,
    live_target,
    phone_mac_argument,
)
from phonesim.cli.pin_source import WHERE_A_PIN_COMES_FROM, add_pin_arguments, pin_from_args
from phonesim.cli.trust_ca_option import add_trust_ca_argument, trust_from_args
from phonesim.core.flow import LAST
from phonesim.errors import UsageError
from phonesim.fleet.load_shape import DURATION_EXAMPLES

if TYPE_CHECKING:
    from phonesim.app.boot import BootReport, TraceSink
    from phonesim.core.commands import Trace
    from phonesim.core.discovery_cache import CachePolicy
    from phonesim.drivers.network import Network
    from phonesim.lab.scenario import LabScenario
    from phonesim.report.hold_progress import HoldProgress
    from phonesim.report.terminal import TerminalConsole
    from phonesim.report.timeline import TimelinePrinter

EPILOG = """\
examples:
  phonesim boot --lab --ext 5551234 --pin 13579
  phonesim boot --lab --profile aastra-6725ip --ext 5551235 --pin 24680 --json
  phonesim boot --lab-endpoints phonesim-lab.json --ext 5551234   (`phonesim lab`; asks the PIN)
  phonesim boot --lab --ext 5551234 --pin-file ~/.phonesim-pin   (keep the PIN out of `ps`)
  phonesim boot --lab-endpoints phonesim-lab.json --trust-ca phonesim-lab.ca.pem --ext 5551234
  sudo phonesim boot --iface eth0 --ext 5551234 --pin 13579   (broadcast INFORM on eth0)
  sudo phonesim boot --iface eth0 --dhcp-server 192.0.2.5 --ext 5551234 --pin 13579

discovery cache: a boot against a real pool or the healthy lab uses the phone's cache
(DHCP and DNS skipped) and keeps what works, as the phone does; a boot against a
--scenario or a lab serving a scenario or capture is a factory-fresh phone and leaves
the state folder as it was. --cache / --no-cache choose either way.

exit codes: 0 signed in (TLS-DSK and a verified REGISTER 200 OK), or the --stop-after
            stage reached; 2 bad input; 3 discovery (DHCP/DNS) failed; 4 root chain;
            5 web ticket (PIN); 6 certificate provisioning; 7 registrar; 8 TLS-DSK
            sign-in; 9 provisioning; 10 a held phone lost its registration;
            130 interrupted: Ctrl-C, also during a --hold after the phone signed in (it
            signs out first; Result stays Success and Held says the hold asked for, the
            hold done and cut_short_by): the run did less than asked, as fleet says too.
"""


def register(commands: Any) -> None:
    boot = commands.add_parser(
        "boot",
        help="boot one virtual phone and sign it in",
        description="Boot one virtual phone step by step and show the timeline and result.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_server_arguments(boot)
    add_phone_arguments(boot)
    add_output_arguments(boot)
    boot.set_defaults(run=run)


def add_hold_argument(group: argparse._ArgumentGroup) -> None:
    """Beside --stop-after: both say how far the boot goes."""
    group.add_argument(
        "--hold",
        metavar="DURATION",
        help=f"after signing in, stay registered this long ({DURATION_EXAMPLES}: "
        "refreshes, keep-alives, new security associations, on real time), then sign out; "
        "Ctrl-C signs out early (exit code 130). A scenario that shows itself only on a "
        "held phone holds it as long as it says unless this is given",
    )


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_argument_group("where the servers are (pick one)")
    where.add_argument(
        "--lab", action="store_true", help="start the embedded lab on loopback and boot against it"
    )
    where.add_argument(
        "--scenario",
        metavar="NAME|FILE",
        help="with --lab: make the lab misbehave as this scenario says "
        "(`phonesim scenarios` lists them; or a scenario TOML file)",
    )
    where.add_argument(
        "--lab-endpoints",
        type=Path,
        metavar="FILE",
        help="use a lab already running (the endpoints file `phonesim lab` writes)",
    )
    where.add_argument(
        "--dhcp-server",
        "--server",
        dest="dhcp_server",
        metavar="IP[:PORT]",
        help="send the DHCPINFORM by unicast to this server (port 67 by default), from the "
        "phone's port 68 (see --client-port)",
    )
    where.add_argument(
        "--dns", metavar="IP[:PORT]", help="the phone's DNS server (port 53 by default)"
    )
    where.add_argument(
        "--domain", help="DNS domain from the phone's lease, used for SRV lookups (option 15)"
    )
    where.add_argument("--address", help="the phone's own IPv4 address (DHCPINFORM ciaddr)")
    add_live_arguments(parser)


def add_phone_arguments(parser: argparse.ArgumentParser) -> None:
    who = parser.add_argument_group("the phone and its user")
    who.add_argument(
        "--profile",
        help="device profile name or TOML file (default: the --scenario's own profile if it "
        "names one, such as a CU7 firmware for strict DNS naming, else polycom-cx600)",
    )
    who.add_argument(
        "--ext", metavar="DIGITS", help="phone number or extension typed on the keypad (required)"
    )
    add_pin_arguments(who)
    add_trust_ca_argument(who)
    who.add_argument(
        "--mac",
        metavar="MAC|profile|interface",
        help="the phone's MAC; `profile`: a stable one in the profile's OUI (the default "
        "without --iface); `interface`: the interface's own (the default with --iface)",
    )


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    run = parser.add_argument_group("state and output")
    run.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help="the phones' flash: discovery caches per MAC "
        "(default: $PHONESIM_STATE_DIR or ~/.local/state/phonesim)",
    )
    run.add_argument(
        "--no-cache",
        action="store_true",
        help="ignore the discovery cache: ask DHCP and DNS again, then keep what works "
        "(a phone whose flash was wiped)",
    )
    run.add_argument(
        "--cache",
        action="store_true",
        help="boot as the phone with its discovery cache, even where a fresh phone is the "
        "default: against a --scenario, a lab serving a scenario or a capture, and in "
        "`diagnose`",
    )
    run.add_argument(
        "--runs-dir",
        type=Path,
        default=Path("phonesim-runs"),
        help="where run folders go (default: %(default)s)",
    )
    run.add_argument(
        "--run-dir", type=Path, help="exact run folder to write (overrides --runs-dir)"
    )
    run.add_argument(
        "--seed", type=int, help="random seed (xid, jitter, ids) to repeat a run exactly"
    )
    run.add_argument(
        "--stop-after",
        choices=STAGES,
        default=str(LAST),
        help="stop after this stage; nothing of a later stage is sent, whether the phone "
        "discovered or used its cache (default: %(default)s)",
    )
    add_hold_argument(run)
    run.add_argument("--json", action="store_true", help="print only the result as JSON")


_SOURCES = "--lab, --lab-endpoints FILE, --iface IFACE or --dhcp-server IP"
_TARGET_WORDS = {
    TargetProblem.SEVERAL: f"choose one of {_SOURCES}",
    TargetProblem.NONE: f"say where the servers are: {_SOURCES}",
    TargetProblem.SCENARIO_WITHOUT_LAB: "--scenario needs --lab: a scenario says how the "
    "embedded lab misbehaves (a lab started with `phonesim lab --scenario` keeps its own)",
}


@dataclass(frozen=True)
class Servers:
    """Where the arguments point the phone, opened: None for an in-process embedded lab."""

    network: Network | None
    site: str | None = None
    """The scenario or captured site a running lab serves (a fresh phone by default)."""
    notes: tuple[str, ...] = ()
    """Defaults taken from the machine, said before the boot starts."""


def servers_from_args(args: argparse.Namespace) -> Servers:
    """The servers named on the command line."""
    from phonesim.app.targets import (
        LabEndpointsTarget,
        Place,
        TargetChoiceError,
        choose_place,
        live_network,
        open_lab_endpoints,
    )

    live = live_target(args)
    try:
        place = choose_place(
            lab=bool(args.lab),
            lab_endpoints=args.lab_endpoints,
            live=live,
            scenario=args.scenario is not None,
        )
    except TargetChoiceError as error:
        raise UsageError(_TARGET_WORDS[error.problem]) from None
    if place is Place.LAB:
        return Servers(None)
    if place is Place.LAB_ENDPOINTS:
        opened = open_lab_endpoints(LabEndpointsTarget(args.lab_endpoints))
        return Servers(opened.network, site=opened.site)
    choice = live_network(live)
    return Servers(choice.network, notes=choice.notes)


def start_boot(
    args: argparse.Namespace,
    on_trace: TraceSink | None,
    on_note: Callable[[str], None] | None = None,
    on_start: Callable[[], None] | None = None,
) -> BootReport:
    """Boot the phone the arguments describe.

    `on_note` hears the defaults taken from the machine on a real network
    (DNS server and domain from /etc/resolv.conf), before the boot starts;
    `on_start` is called once every argument has been checked and the PIN
    read, so nothing announces a boot that bad input is about to refuse.
    Bad input found later than that (a folder that cannot be written) takes
    the run folder it made away again: a refused boot leaves nothing behind.
    """
    from phonesim.app.boot import BootRequest, check_sign_in, run_boot
    from phonesim.app.targets import LabTarget
    from phonesim.core.identity import normalise_mac
    from phonesim.lab.scenario import load_scenario
    from phonesim.profiles import load_profile
    from phonesim.report.run_folder import new_run_dir, utc_now

    if args.ext is None:
        raise UsageError(f"say who signs in: --ext DIGITS and a PIN ({WHERE_A_PIN_COMES_FROM})")
    hold = hold_from_args(args)
    scenario = load_scenario(args.scenario) if args.scenario else None
    profile = load_profile(profile_name(args, scenario))
    servers = servers_from_args(args)
    supplied_trust = trust_from_args(args)
    notes = list(servers.notes)
    if (
        hold is None
        and scenario is not None
        and scenario.hold is not None
        and args.stop_after == str(LAST)
    ):
        hold = scenario.hold
        notes.append(
            f"scenario {scenario.name} shows itself on a phone held registered: holding "
            f"it {scenario.hold:g} s on real time (--hold to change)"
        )
    # Asked for last, so nobody types a PIN for a command that was going to be refused.
    pin = pin_from_args(args, warn=_warn)
    check_sign_in(args.ext, pin.value, pin_source=pin.source)
    mac = phone_mac_argument(args)
    if mac is not None:
        normalise_mac(mac)
    site = _site_boot(args, servers.site)
    policy = cache_policy(args, site)
    made_run_dir = args.run_dir is None or not args.run_dir.exists()
    try:
        run_dir = args.run_dir or new_run_dir(
            args.runs_dir, f"{profile.name}-{args.ext}", utc_now()
        )
    except OSError as error:
        raise UsageError(
            f"cannot create a run folder in {args.runs_dir}: {error.strerror}"
        ) from None
    request = BootRequest(
        profile=profile,
        sign_in_as=args.ext,
        pin=pin.value,
        servers=LabTarget(scenario) if servers.network is None else servers.network,
        mac=mac,
        capture=args.capture,
        capture_enabled=not args.no_capture,
        # A scenario or captured site is not the site any stored cache came from:
        # its boots neither read nor write the state folder (unless --cache).
        state_dir=None if site else args.state_dir or default_state_dir(),
        cache_policy=policy,
        seed=args.seed,
        final_stage=args.stop_after,
        hold=hold,
        run_dir=run_dir,
        run_dir_made=made_run_dir,
        supplied_trust=supplied_trust,
        bringup=bringup_from_args(args, profile, scenario),
        keep_lease=args.keep_lease,
    )
    if on_start is not None:
        on_start()
    for note in notes:
        if on_note is not None:
            on_note(note)
    return run_boot(request, on_trace)


def hold_from_args(args: argparse.Namespace) -> float | None:
    """`--hold DURATION` in seconds; only for a boot that runs to the end."""
    from phonesim.fleet.load_shape import parse_duration

    text = getattr(args, "hold", None)
    if text is None:
        return None
    seconds = parse_duration(text, "--hold")
    if args.stop_after != str(LAST):
        raise UsageError(
            f"--hold keeps a signed-in phone registered: it needs a boot that runs to the end "
            f"(--stop-after {LAST}, the default), not --stop-after {args.stop_after}"
        )
    return seconds


def cache_policy(args: argparse.Namespace, site: str | None) -> CachePolicy:
    """Whether this boot reads and keeps the discovery cache.

    A real phone always does. A troubleshooter reproducing a site wants the
    site's DHCP and DNS exercised, so a scenario, a captured site and
    `diagnose` meet a factory-fresh phone and leave the state folder as it was,
    unless --cache asks for the cached phone.
    """
    from phonesim.core.discovery_cache import CachePolicy

    if args.cache and args.no_cache:
        raise UsageError("--cache and --no-cache contradict each other: give one")
    if args.no_cache:
        return CachePolicy.rediscover("asked to rediscover (--no-cache)")
    if args.cache:
        return CachePolicy.device()
    if getattr(args, "fresh_discovery", False):
        return CachePolicy.factory_fresh(
            getattr(args, "fresh_why", None)
            or "diagnose asks what this site gives a phone; --cache boots the cached phone"
        )
    if site is not None:
        return CachePolicy.factory_fresh(
            f"{site}: the state folder's cache is neither read nor written; --cache uses it"
        )
    return CachePolicy.device()


def _site_boot(args: argparse.Namespace, lab_site: str | None) -> str | None:
    """The scenario or captured site this boot reproduces, when the default is a fresh phone."""
    if args.cache or args.no_cache:
        return None
    return f"scenario {args.scenario}" if args.scenario else lab_site


def _warn(message: str) -> None:
    print(f"phonesim: warning: {message}", file=sys.stderr)


def describe_target(args: argparse.Namespace) -> str:
    if args.lab:
        return "embedded lab on loopback" + (f", scenario {args.scenario}" if args.scenario else "")
    if args.lab_endpoints is not None:
        return f"lab at {args.lab_endpoints}"
    dns = f", DNS {args.dns}" if args.dns else ""
    if args.giaddr:
        return f"DHCP relayed from {args.giaddr} to {args.dhcp_server}{dns}"
    if args.iface and args.dhcp_server is None:
        return f"DHCP broadcast on {args.iface}{dns}"
    if args.iface:
        return f"DHCP {args.dhcp_server} from {args.iface}{dns}"
    return f"DHCP {args.dhcp_server}{dns}"


def run(args: argparse.Namespace) -> int:
    from phonesim.profiles import load_profile
    from phonesim.report.hold_progress import HoldProgress
    from phonesim.report.terminal import TerminalConsole
    from phonesim.report.timeline import TimelinePrinter

    console = TerminalConsole(highlight=False)
    printer = TimelinePrinter(console)

    def header() -> None:
        if args.json:
            return
        profile = load_profile(profile_name(args))
        console.print(
            f"[bold]phonesim[/bold] {profile.device.vendor} {profile.device.model} "
            f"signing in as {args.ext} ({describe_target(args)})"
        )

    on_trace: TraceSink | None = None if args.json else printer.print
    progress = HoldProgress()
    stop = threading.Event()
    if args.hold is not None and on_trace is not None:
        on_trace = _following(progress, printer.print)
        threading.Thread(target=_say_progress, args=(progress, console, stop), daemon=True).start()
    try:
        report = start_boot(
            args,
            on_trace,
            on_note=None if args.json else lambda note: console.print(f"[dim]{note}[/dim]"),
            on_start=header,
        )
    finally:
        stop.set()
    if args.json:
        print(json.dumps(report.result, indent=2, default=str))
    elif not printer.reader_gone:
        _print_ending(console, printer, report, args)
    return int(report.result["ExitCode"])


PROGRESS_EVERY = 60.0
"""Seconds between a held phone's progress lines."""


def _following(progress: HoldProgress, print_trace: TraceSink) -> TraceSink:
    def both(trace: Trace) -> None:
        progress.see(trace)
        print_trace(trace)

    return both


def _say_progress(progress: HoldProgress, console: TerminalConsole, stop: threading.Event) -> None:
    """Where the hold stands, now and then, until the boot is over."""
    while not stop.wait(PROGRESS_EVERY):
        line = progress.line(datetime.now(UTC))
        if line is not None:
            with contextlib.suppress(BrokenPipeError):
                console.print(f"[dim]{line}[/dim]")


def _print_ending(
    console: TerminalConsole,
    printer: TimelinePrinter,
    report: BootReport,
    args: argparse.Namespace,
) -> None:
    from phonesim.report.dhcp_answers import render_dhcp_answers

    with contextlib.suppress(BrokenPipeError, SystemExit):  # the reader went away
        answers = report.result.get("DhcpAnswers") or []
        live = args.iface is not None or args.dhcp_server is not None
        if len(answers) > 1 or live:
            render_dhcp_answers(console, answers)
        printer.print_result(report.result)
        console.print(
            f"[dim]run folder: {report.run_dir} (cpsw3g.log, trace.jsonl, result.json)[/dim]"
        )
        if report.result.get("Capture"):
            packets = report.result.get("CapturedPackets")
            held = (
                "no packets: the phone sent and received no DHCP"
                if packets == 0
                else f"{packets} DHCP packet{'s' if packets != 1 else ''}"
            )
            console.print(f"[dim]capture: {report.result['Capture']} ({held})[/dim]")


def profile_name(args: argparse.Namespace, scenario: LabScenario | None = None) -> str:
    """The profile asked for; without one, the scenario's (a fault a firmware brings, such
    as CU7's strict DNS naming, needs that firmware), else the stock CX600."""
    if args.profile:
        return str(args.profile)
    if scenario is None and getattr(args, "scenario", None):
        from phonesim.lab.scenario import load_scenario

        scenario = load_scenario(args.scenario)
    return (scenario.profile if scenario is not None else None) or "polycom-cx600"
