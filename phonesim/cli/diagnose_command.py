"""`phonesim diagnose`: boot a phone, then say why it went as it did and what to fix."""

from __future__ import annotations

import argparse
import contextlib
import json
from pathlib import Path
from typing import Any

from phonesim.cli.boot_command import (
    add_output_arguments,
    add_phone_arguments,
    add_server_arguments,
    describe_target,
    start_boot,
)

EPILOG = """\
examples:
  phonesim diagnose --lab --scenario truncated-option-43 --ext 5551234 --pin 13579
  phonesim diagnose --lab --scenario wrong-pin --ext 5551234 --pin 13579 --json
  phonesim diagnose --server 192.0.2.5 --dns 192.0.2.53 --domain contoso.com \\
                    --address 192.0.2.100 --ext 5551234 --pin 13579

Findings come ranked: the root cause of a failure first (error), then what works
but is fragile (warning), then what is worth knowing (info). Exit codes as for
`phonesim boot`.
"""


def register(commands: Any) -> None:
    diagnose = commands.add_parser(
        "diagnose",
        help="boot a phone and explain the outcome: findings, evidence, fixes",
        description="Boot one virtual phone, then print the findings: what went wrong, the "
        "evidence (packet, answer, step, decoded values), what the phone's screen shows, and "
        "the fix; then the Test-CsPhoneBootstrap-shaped result.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_server_arguments(diagnose)
    add_phone_arguments(diagnose)
    add_output_arguments(diagnose)
    diagnose.add_argument(
        "--timeline", action="store_true", help="also print every step as it happens"
    )
    diagnose.add_argument(
        "--from-run",
        type=Path,
        metavar="RUN_DIR",
        help="diagnose a run folder written earlier (its trace.jsonl) instead of booting",
    )
    # Diagnose answers "what does this site give a phone": fresh discovery unless --cache.
    diagnose.set_defaults(run=run, fresh_discovery=True)


def run(args: argparse.Namespace) -> int:
    if args.from_run is not None:
        return _from_run(args)
    from phonesim.diagnosis import diagnose
    from phonesim.report.findings_view import FindingsPrinter
    from phonesim.report.terminal import TerminalConsole
    from phonesim.report.timeline import TimelinePrinter

    console = TerminalConsole(highlight=False, stderr=args.json)
    timeline = TimelinePrinter(console)
    if args.json:
        report = start_boot(args, None)
        print(json.dumps(report.result, indent=2, default=str))
        return int(report.result["ExitCode"])

    with contextlib.ExitStack() as stack:
        statuses: list[Any] = []

        def begin() -> None:
            # Only now: a PIN prompt must not sit under a spinner, and bad input is
            # refused before anything announces a boot.
            console.print(
                f"[bold]phonesim diagnose[/bold] {args.ext} against {describe_target(args)}"
            )
            statuses.append(stack.enter_context(console.status("booting: power on")))

        def progress(trace: Any) -> None:
            if statuses:
                statuses[0].update(f"booting: {trace.stage} ({trace.event.replace('_', ' ')})")
            if args.timeline:
                timeline.print(trace)

        report = start_boot(args, progress, on_start=begin)
    console.print()
    FindingsPrinter(console).print(diagnose(report.traces))
    timeline.print_result(report.result)
    console.print(f"[dim]run folder: {report.run_dir}[/dim]")
    return int(report.result["ExitCode"])


def _from_run(args: argparse.Namespace) -> int:
    from phonesim.diagnosis import diagnose
    from phonesim.errors import UsageError
    from phonesim.report.findings_view import FindingsPrinter
    from phonesim.report.run_folder import RESULT, TRACE_LOG
    from phonesim.report.saved_result import read_saved_result
    from phonesim.report.terminal import TerminalConsole
    from phonesim.report.timeline import TimelinePrinter
    from phonesim.report.trace_log import read_trace_log

    trace_path = args.from_run / TRACE_LOG
    try:
        with trace_path.open(encoding="utf-8") as stream:
            traces = list(read_trace_log(stream, str(trace_path)))
    except OSError as error:
        raise UsageError(f"{trace_path}: cannot read ({error.strerror})") from None
    except UnicodeDecodeError as error:
        raise UsageError(f"{trace_path}: not UTF-8 text ({error.reason})") from None
    # A run cut short has a trace but no result: the findings still stand.
    result = read_saved_result(args.from_run / RESULT)
    try:
        diagnosis = diagnose(traces)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as error:
        # The trace's events are the phone's, but their values are the file's: a folder
        # edited by hand can hold any of them.
        raise UsageError(
            f"{trace_path}: an event holds a value the diagnosis cannot read "
            f"({type(error).__name__}: {str(error)[:120]}); was the file edited?"
        ) from None
    if args.json:
        # The shape of `diagnose --json`: the run's result, its findings diagnosed anew.
        shown: dict[str, Any] = (
            dict(result) if result else {"Result": None, "RunFolder": str(args.from_run)}
        )
        shown["Findings"] = diagnosis.to_json()
        print(json.dumps(shown, indent=2, default=str))
    else:
        console = TerminalConsole(highlight=False)
        FindingsPrinter(console).print(diagnosis)
        if result:
            try:
                TimelinePrinter(console).print_result(result)
            except (KeyError, TypeError, ValueError, AttributeError) as error:
                raise UsageError(
                    f"{args.from_run / RESULT}: a value the result table cannot show "
                    f"({type(error).__name__}: {str(error)[:120]}); was the file edited?"
                ) from None
    return int(result.get("ExitCode", 0))
