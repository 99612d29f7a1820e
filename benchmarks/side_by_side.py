"""A benchmark run against two checkouts in turn, so both share the machine's noise.

On a shared machine, figures taken an hour apart differ more than a change
does; here each round runs the benchmark once with the other checkout's code
(`--before`, e.g. main in a separate worktree or `git archive` copy) and once
with this one's, then prints the median of every figure for each side and
their ratio (after / before). The order flips every round (before-after,
after-before, ...): on this machine the second of two back-to-back fleet runs
is measurably slower, and a fixed order would charge that to one side.

    python benchmarks/side_by_side.py --before /tmp/main-copy --rounds 3 \
        -- fleet_bootstrap.py --phones 400 --runs 1

A figure is a number on an output line; lines are matched by their text with
the numbers taken out, so any benchmark that prints `label: 12.3 unit` works.
Numbers that are the same in every run (phone counts, settings) are left out.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")

Figures = dict[str, list[float]]


def run_once(checkout: Path, script: str, args: list[str]) -> Figures:
    """Every line's numbers, by the line's text with its numbers taken out."""
    env = dict(os.environ, PYTHONPATH=str(checkout))
    done = subprocess.run(
        [sys.executable, str(checkout / "benchmarks" / script), *args],
        env=env,
        cwd=checkout,
        capture_output=True,
        text=True,
        check=True,
    )
    figures: Figures = {}
    for line in done.stdout.splitlines():
        numbers = NUMBER.findall(line)
        if numbers:
            figures[NUMBER.sub("#", line.strip())] = [float(n.replace(",", "")) for n in numbers]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the other checkout")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("script", help="a script of benchmarks/, e.g. fleet_memory.py")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    options = parser.parse_args()
    sides = {"before": options.before.resolve(), "after": HERE}
    seen: dict[str, dict[str, list[list[float]]]] = {side: defaultdict(list) for side in sides}
    for round_number in range(1, options.rounds + 1):
        order = list(sides.items())
        if round_number % 2 == 0:
            order.reverse()
        for side, checkout in order:
            for line, numbers in run_once(checkout, options.script, options.args).items():
                seen[side][line].append(numbers)
        print(f"round {round_number} of {options.rounds} done", file=sys.stderr)
    print(f"{options.script} {' '.join(options.args)}: medians of {options.rounds} rounds")
    for line, before_runs in seen["before"].items():
        after_runs = seen["after"].get(line)
        if not after_runs:
            continue
        for position in range(len(before_runs[0])):
            before = [run[position] for run in before_runs if len(run) > position]
            after = [run[position] for run in after_runs if len(run) > position]
            if len(set(before + after)) == 1:
                continue  # a setting, not a figure
            old, new = statistics.median(before), statistics.median(after)
            ratio = f"{new / old:.3f}" if old else "-"
            label = _label(line, position)
            print(f"  {label}: before {old:g}, after {new:g}, ratio {ratio}")


def _label(line: str, position: int) -> str:
    """The line with the figure in question marked `<>` and the others `#`."""
    parts = line.split("#")
    marked = [part + ("<>" if index == position else "#") for index, part in enumerate(parts[:-1])]
    return ("".join(marked) + parts[-1])[:110]


if __name__ == "__main__":
    main()
