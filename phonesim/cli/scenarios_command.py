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
        description="List the shipped lab scenarios: what each makes the lab do, where the "
        "phone ends and the finding `phonesim diagnose` reports; --show prints one in full "
        "(a starting point for your own scenario file).",
        epilog="examples:\n"
        "  phonesim scenarios\n"
        "  phonesim scenarios --show truncated-option-43 > site.toml\n"
        "  phonesim scenarios --json\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    scenarios.add_argument("--show", metavar="NAME", help="print this scenario's TOML")
    scenarios.add_argument(
        "--json",
        action="store_true",
        help="print the catalogue as JSON: a list of {name, summary, symptom, hold_seconds, expect} "
        "(with --show, that one object)",
    )
    scenarios.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rich.table import Table

    from phonesim.errors import UsageError
    from phonesim.lab.scenario import catalogue, load_scenario_text
    from phonesim.report.terminal import TerminalConsole

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
    table = Table(
        title="lab scenarios: phonesim diagnose --lab --scenario NAME ...",
        expand=True,
        show_lines=True,
    )
    table.add_column("scenario", no_wrap=True)
    # Ids on a line of their own under the summary: in a narrow column of their own
    # they were cut mid-word ("registrar.none_foun d"), and scripts grep for them.
    table.add_column("what the lab does; where the phone ends")
    for scenario in loaded:
        table.add_row(scenario.name, f"{scenario.summary}\n[dim]{phone_ends(scenario)}[/dim]")
    TerminalConsole(highlight=False).print(table)
    return 0


def phone_ends(scenario: LabScenario) -> str:
    """As the README's catalogue says it: `certprov.http_404; finding certprov.not_found`."""
    expect = scenario.expect
    if expect is None:
        return "not stated"
    ends = "succeeds" if expect.result == "Success" else (expect.reason or expect.stage)
    return ends if expect.finding is None else f"{ends}; finding {expect.finding}"


def scenario_json(scenario: LabScenario) -> dict[str, Any]:
    """One catalogue entry; `expect` is null for a scenario that says nothing of its outcome."""
    expect = scenario.expect
    return {
        "name": scenario.name,
        "summary": scenario.summary,
        "symptom": scenario.symptom,
        "hold_seconds": scenario.hold,
        "expect": None
        if expect is None
        else {
            "result": expect.result,
            "stage": expect.stage,
            "reason": expect.reason,
            "finding": expect.finding,
        },
    }
