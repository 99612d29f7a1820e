"""`phonesim scenarios`: the lab's catalogue of reproducible faults."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from phonesim.lab.scenario import LabScenario


def register(commands: Any) -> None:
    scenarios = commands.add_parser(
        "scenarios",
        help="list the lab scenarios (faults the embedded lab reproduces)",
        description="List the shipped lab scenarios, one line each; --show prints one in full "
        "(a starting point for your own scenario file).",
    )
    scenarios.add_argument("--show", metavar="NAME", help="print this scenario's TOML")
    scenarios.add_argument(
        "--json",
        action="store_true",
        help="print the catalogue as JSON: a list of {name, summary, symptom, expect} "
        "(with --show, that one object)",
    )
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
        if args.json:
            scenario = load_scenario_text(
                shipped[args.show], name=args.show, source=f"scenario {args.show}"
            )
            print(json.dumps(scenario_json(scenario), indent=2))
        else:
            print(shipped[args.show], end="")
        return 0
    loaded = [
        load_scenario_text(text, name=name, source=f"scenario {name}")
        for name, text in shipped.items()
    ]
    if args.json:
        print(json.dumps([scenario_json(scenario) for scenario in loaded], indent=2))
        return 0
    table = Table(title="lab scenarios: phonesim diagnose --lab --scenario NAME ...", expand=True)
    table.add_column("scenario", no_wrap=True)
    table.add_column("what the lab does", ratio=3)
    table.add_column("the phone ends", ratio=1, overflow="fold")
    for scenario in loaded:
        expect = scenario.expect
        ends = (
            ""
            if expect is None
            else ("signs in" if expect.result == "Success" else (expect.reason or expect.stage))
        )
        table.add_row(scenario.name, scenario.summary, ends)
    Console().print(table)
    return 0


def scenario_json(scenario: LabScenario) -> dict[str, Any]:
    """One catalogue entry; `expect` is null for a scenario that says nothing of its outcome."""
    expect = scenario.expect
    return {
        "name": scenario.name,
        "summary": scenario.summary,
        "symptom": scenario.symptom,
        "expect": None
        if expect is None
        else {
            "result": expect.result,
            "stage": expect.stage,
            "reason": expect.reason,
            "finding": expect.finding,
        },
    }
