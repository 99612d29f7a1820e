"""`phonesim scenarios`: the lab's catalogue of reproducible faults."""

from __future__ import annotations

import argparse
from typing import Any


def register(commands: Any) -> None:
    scenarios = commands.add_parser(
        "scenarios",
        help="list the lab scenarios (faults the embedded lab reproduces)",
        description="List the shipped lab scenarios, one line each; --show prints one in full "
        "(a starting point for your own scenario file).",
    )
    scenarios.add_argument("--show", metavar="NAME", help="print this scenario's TOML")
    scenarios.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from phonesim.errors import UsageError
    from phonesim.lab.scenario import catalogue, load_scenario_text

    shipped = catalogue()
    if args.show:
        if args.show not in shipped:
            raise UsageError(f"no scenario {args.show!r} (known: {', '.join(shipped)})")
        print(shipped[args.show], end="")
        return 0
    table = Table(title="lab scenarios: phonesim diagnose --lab --scenario NAME ...", expand=True)
    table.add_column("scenario", no_wrap=True)
    table.add_column("what the lab does", ratio=3)
    table.add_column("the phone ends", ratio=1, overflow="fold")
    for name, text in shipped.items():
        scenario = load_scenario_text(text, name=name, source=f"scenario {name}")
        expect = scenario.expect
        ends = (
            ""
            if expect is None
            else ("signs in" if expect.result == "Success" else (expect.reason or expect.stage))
        )
        table.add_row(name, scenario.summary, ends)
    Console().print(table)
    return 0
