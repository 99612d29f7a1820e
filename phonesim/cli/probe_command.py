"""`phonesim probe`: one boot as a monitoring check (Nagios/Icinga plugin, node_exporter
textfile, or a Prometheus exporter on a schedule)."""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from phonesim.cli.boot_command import add_phone_arguments, add_server_arguments
from phonesim.cli.common import STAGES, default_state_dir
from phonesim.core.flow import LAST
from phonesim.errors import PhonesimError, UsageError

if TYPE_CHECKING:
    from phonesim.probe.plugin_output import Thresholds
    from phonesim.probe.probe_run import ProbeRun

EPILOG = """\
examples:
  phonesim probe --lab --ext 5551234 --pin-file /etc/phonesim/pin -w 2s -c 5s
  phonesim probe --iface eth1 --ext 5551234 --pin-file /etc/phonesim/pin --step-warning webticket=1s
  phonesim probe --lab --ext 5551234 --textfile /var/lib/node_exporter/textfile/
  phonesim probe --serve 127.0.0.1:9877 --every 60s --dhcp-server 192.0.2.5 --ext 5551234

output: one Monitoring Plugins status line, e.g.
  PHONESIM CRITICAL - webticket.pin_rejected after 0.147 s: ...; finding webticket.pin_rejected: ...
  | 'total'=0.146587s;2;5;0 'dhcp'=0.004575s;;;0 ...
thresholds use the Monitoring Plugins range syntax on durations: 2s alerts above 2 s,
1:5 outside 1..5 s, @1:2 inside 1..2 s, ~:3 above 3 s.

exit codes (Monitoring Plugins): 0 OK, 1 WARNING (a threshold crossed), 2 CRITICAL (the
boot failed, or a critical threshold crossed), 3 UNKNOWN (bad input: nothing was booted).

The probe boots a factory-fresh phone (DHCP and DNS asked every time, the state folder
left as it was) unless --cache; its run folders go to <state dir>/probe-runs/<name>/,
the last --keep-runs kept.
"""

_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def register(commands: Any) -> None:
    probe = commands.add_parser(
        "probe",
        help="boot one phone as a monitoring check (Nagios, Prometheus)",
        description="Boot one phone and report it as a monitoring check: a Monitoring Plugins "
        "status line and exit code, Prometheus metrics for the textfile collector, or an "
        "exporter that boots on a schedule.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    probe.error = lambda message: _unknown_usage(probe, message)
    add_server_arguments(probe)
    add_phone_arguments(probe)
    check = probe.add_argument_group("thresholds (Monitoring Plugins ranges of durations)")
    check.add_argument("-w", "--warning", metavar="RANGE", help="on the whole boot's latency")
    check.add_argument("-c", "--critical", metavar="RANGE", help="on the whole boot's latency")
    check.add_argument(
        "--step-warning",
        action="append",
        default=[],
        metavar="STEP=RANGE",
        help="on one step's latency (dhcp, dns, time, rootchain, metadata, webticket, "
        "certprov, registrar, tlsdsk, provisioning); repeat for more steps",
    )
    check.add_argument("--step-critical", action="append", default=[], metavar="STEP=RANGE")
    out = probe.add_argument_group("metrics and output")
    out.add_argument(
        "--name",
        help="the probe's name: its `probe` label and its textfile's name (default: the extension)",
    )
    out.add_argument(
        "--textfile",
        type=Path,
        metavar="DIR",
        help="also write the metrics to DIR/phonesim_probe_<name>.prom, atomically "
        "(node_exporter's textfile collector)",
    )
    out.add_argument(
        "--serve",
        metavar="HOST:PORT",
        help="run as a Prometheus exporter: boot now and every --every, serve the last run "
        "on http://HOST:PORT/metrics; runs never overlap",
    )
    out.add_argument(
        "--every", default="60s", metavar="DURATION", help="with --serve (default: %(default)s)"
    )
    out.add_argument("--json", action="store_true", help="print the result as JSON")
    run = probe.add_argument_group("state")
    run.add_argument("--state-dir", type=Path, help="the phones' flash (see `phonesim boot`)")
    run.add_argument(
        "--cache",
        action="store_true",
        help="boot the phone with its discovery cache (default: a factory-fresh phone)",
    )
    run.add_argument("--runs-dir", type=Path, help="where run folders go")
    run.add_argument(
        "--keep-runs",
        type=int,
        default=20,
        metavar="N",
        help="keep the newest N run folders in the probe's own folder, "
        "<state dir>/probe-runs/<name>/ (default: %(default)s; --runs-dir: all kept)",
    )
    run.add_argument("--seed", type=int, help="random seed (xid, jitter, ids)")
    run.add_argument(
        "--stop-after",
        choices=STAGES,
        default=str(LAST),
        help="the stage a boot must reach to be OK (default: %(default)s)",
    )
    probe.set_defaults(run=run_probe)


def _unknown_usage(parser: argparse.ArgumentParser, message: str) -> NoReturn:
    """argparse's own errors are a plugin's UNKNOWN too: the status line on stdout, where
    the monitoring system reads it, and exit 3, not argparse's 2; the usage on stderr, as
    every other command gives it."""
    from phonesim.probe.plugin_output import PluginState, unknown_output

    parser.print_usage(sys.stderr)
    print(f"phonesim probe: error: {message}", file=sys.stderr)
    print(unknown_output(f"phonesim probe: {message}"))
    raise SystemExit(int(PluginState.UNKNOWN))


def run_probe(args: argparse.Namespace) -> int:
    from phonesim.probe.plugin_output import PluginState, unknown_output

    try:
        return _run(args)
    except PhonesimError as error:
        print(unknown_output(str(error)))
        return int(PluginState.UNKNOWN)


def _run(args: argparse.Namespace) -> int:
    from phonesim.probe.probe_metrics import write_textfile

    if args.ext is None:
        raise UsageError("say who signs in: --ext DIGITS (and --pin-file FILE or $PHONESIM_PIN)")
    name = args.name or args.ext
    if not _NAME.match(name):
        raise UsageError(f"--name {name!r}: letters, digits, '.', '_' and '-' only")
    thresholds = _thresholds(args)
    if args.keep_runs < 1:
        raise UsageError(f"--keep-runs {args.keep_runs}: keep at least 1")
    if args.textfile is not None and not args.textfile.is_dir():
        raise UsageError(f"--textfile {args.textfile}: not a folder")
    own_runs = args.runs_dir is None
    state_dir = args.state_dir or default_state_dir()
    _boot_arguments(args, state_dir / "probe-runs" / name if own_runs else args.runs_dir)
    # Only the probe's own folder is pruned: one given with --runs-dir may hold other runs.
    args.keep = args.keep_runs if own_runs else None
    if args.serve is not None:
        return _serve(args, name, thresholds)
    run = _boot_once(args)
    if args.textfile is not None:
        write_textfile(args.textfile, name, run, args.stop_after)
    return _report(run, thresholds, args.json)


def _boot_arguments(args: argparse.Namespace, runs_dir: Path) -> None:
    """The arguments `phonesim boot` takes, as a probe sets them."""
    args.runs_dir = runs_dir
    args.run_dir = None
    args.hold = None
    args.no_cache = False
    args.fresh_discovery = not args.cache
    args.fresh_why = (
        "a probe checks what the site gives a new phone; --cache probes the cached phone"
    )


def _boot_once(args: argparse.Namespace) -> ProbeRun:
    from phonesim.cli.boot_command import start_boot
    from phonesim.probe.probe_run import probe_run
    from phonesim.probe.run_retention import prune_runs

    report = start_boot(args, on_trace=None)
    run = probe_run(report, time.time())
    if args.keep is not None:
        prune_runs(args.runs_dir, args.keep)
    return run


def _report(run: ProbeRun, thresholds: Thresholds, as_json: bool) -> int:
    from phonesim.probe.bootstrap_json import probe_json
    from phonesim.probe.plugin_output import plugin_output

    state, line = plugin_output(run, thresholds)
    if as_json:
        print(json.dumps(probe_json(run, state), indent=2, default=str))
    else:
        print(line)
    return int(state)


def _thresholds(args: argparse.Namespace) -> Thresholds:
    from phonesim.probe.plugin_output import Thresholds
    from phonesim.probe.step_timing import PROBED_STEPS
    from phonesim.probe.threshold_range import parse_range

    def steps(values: list[str], option: str) -> dict[str, Any]:
        known = set(PROBED_STEPS)
        chosen = {}
        for value in values:
            step, sep, text = value.partition("=")
            if not sep or step not in known:
                raise UsageError(
                    f"{option} {value!r}: give STEP=RANGE with STEP one of "
                    f"{', '.join(sorted(known))}"
                )
            chosen[step] = parse_range(text, f"{option} {step}=")
        return chosen

    return Thresholds(
        warning=parse_range(args.warning, "-w/--warning") if args.warning else None,
        critical=parse_range(args.critical, "-c/--critical") if args.critical else None,
        step_warning=steps(args.step_warning, "--step-warning"),
        step_critical=steps(args.step_critical, "--step-critical"),
    )


def _serve(args: argparse.Namespace, name: str, thresholds: Thresholds) -> int:
    from prometheus_client import CollectorRegistry, start_http_server

    from phonesim.fleet.load_shape import parse_duration
    from phonesim.probe.exporter import ProbeSchedule
    from phonesim.probe.plugin_output import plugin_output, unknown_output
    from phonesim.probe.probe_metrics import ProbeCollector, write_textfile

    every = parse_duration(args.every, "--every")
    host, port = _host_port(args.serve)
    _pin_for_unattended_runs(args)

    def after(run: ProbeRun) -> None:
        print(plugin_output(run, thresholds)[1], flush=True)
        if args.textfile is not None:
            write_textfile(args.textfile, name, run, args.stop_after)

    def boot() -> ProbeRun | None:
        try:
            return _boot_once(args)
        except PhonesimError as error:
            if schedule.counts.runs == 0:
                raise  # the first boot: bad input, which stops the exporter (UNKNOWN)
            print(unknown_output(str(error)), flush=True)
            return None

    schedule = ProbeSchedule(every, boot, on_run=after)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(
        ProbeCollector(name, lambda: schedule.last_run, schedule.counts, args.stop_after)
    )
    try:
        server, _thread = start_http_server(port, addr=host, registry=registry)
    except OSError as error:
        raise UsageError(f"--serve {args.serve}: cannot listen there ({error.strerror})") from None
    print(
        f"phonesim probe: serving http://{host}:{server.server_address[1]}/metrics, "
        f"a boot every {every:g} s",
        file=sys.stderr,
        flush=True,
    )
    try:
        schedule.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        server.server_close()
    return 0


def _pin_for_unattended_runs(args: argparse.Namespace) -> None:
    """An exporter boots every minute with nobody at the terminal: no prompt."""
    import os

    from phonesim.cli.pin_source import PIN_VARIABLE

    if args.pin is None and args.pin_file is None and not os.environ.get(PIN_VARIABLE):
        raise UsageError(
            f"--serve boots unattended: give the PIN with --pin-file FILE or ${PIN_VARIABLE}"
        )


def _host_port(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise UsageError(f"--serve {text!r}: give HOST:PORT, e.g. 127.0.0.1:9877")
    return host.strip("[]"), int(port)
