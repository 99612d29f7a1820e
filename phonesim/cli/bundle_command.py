"""`phonesim bundle RUN_DIR`: one zip of a run to attach to a ticket."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

EPILOG = """\
examples:
  phonesim bundle phonesim-runs/20261130T101502-polycom-cx600-5551234
  phonesim bundle RUN_DIR -o ticket-4711.zip --json

The zip holds the run folder (report.html, cpsw3g.log, trace.jsonl, result.json,
capture.pcap), the device profile the phone ran with, and bundle.json: phonesim's
version and the command line, with any --pin value removed.
"""


def register(commands: Any) -> None:
    bundle = commands.add_parser(
        "bundle",
        help="zip a run folder with its report, profile and command line for a ticket",
        description="Zip one run folder with its report, the phone profile, phonesim's "
        "version and the command line (PIN removed).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    bundle.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="the run folder")
    bundle.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="the zip (default: RUN_DIR.zip)"
    )
    bundle.add_argument("--json", action="store_true", help="print what went in, as JSON")
    bundle.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from phonesim.cli import _version
    from phonesim.probe.run_bundle import bundle_run

    run_dir: Path = args.run_dir
    whole = run_dir.resolve()
    out = args.output or whole.parent / f"{whole.name}.zip"
    members = bundle_run(run_dir, out, _version())
    if args.json:
        shown = [
            {"Name": member.name, "Bytes": member.size, "From": member.origin} for member in members
        ]
        print(json.dumps({"Bundle": str(out), "Members": shown}, indent=2))
    else:
        print(f"{out} ({len(members)} files)")
    return 0
