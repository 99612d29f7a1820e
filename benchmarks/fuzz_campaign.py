"""The long fuzz campaign: a million inputs (or more) per reader of outside bytes.

    python benchmarks/fuzz_campaign.py --inputs 1000000 [--reader NAME ...] [--jobs 1]

Runs the targets of `tests/fuzz/` (the short run's readers and seeds) under atheris,
libFuzzer's coverage-guided mutation for Python: each reader in a process of its
own, its phonesim modules instrumented so that mutations that reach new code are
kept. atheris rather than hypothesis because it is the faster of the two per input
by an order of magnitude (`--compare` measures both on one reader), and a campaign
of 10^6 inputs per reader is bounded by that rate.

Prints per reader: inputs run, escaping exceptions (anything but phonesim's own
errors) with their signatures (type and innermost phonesim line), the slowest
input and the rate. Escaping inputs are kept in `--crashes` (default
fuzz-crashes/<reader>/) for a regression test. A reader that hangs past
`--hang-seconds` on one input is ended by libFuzzer and reported as such.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REPORT_EVERY = 5_000


def _targets() -> dict[str, object]:
    from tests.fuzz.targets_files import FILE_TARGETS
    from tests.fuzz.targets_text import TEXT_TARGETS
    from tests.fuzz.targets_web import WEB_TARGETS
    from tests.fuzz.targets_wire import WIRE_TARGETS

    return {
        target.name: target for target in WIRE_TARGETS + WEB_TARGETS + TEXT_TARGETS + FILE_TARGETS
    }


class _Tally:
    """What one reader's worker has seen so far, written out as it goes: libFuzzer
    ends the process with exit(), past Python's own exit handlers."""

    def __init__(self, report: Path, crashes: Path) -> None:
        self.report = report
        self.crashes = crashes
        self.inputs = 0
        self.escaping = 0
        self.signatures: dict[str, int] = {}
        self.slowest = 0.0
        self.slowest_size = 0
        self.started = time.perf_counter()

    def escaped(self, error: BaseException, data: bytes) -> None:
        frames = [
            f for f in traceback.extract_tb(error.__traceback__) if "/phonesim/" in f.filename
        ]
        where = (
            f"{frames[-1].filename.split('/phonesim/')[-1]}:{frames[-1].lineno}" if frames else "?"
        )
        signature = f"{type(error).__name__} at {where}"
        self.escaping += 1
        if signature not in self.signatures:
            self.crashes.mkdir(parents=True, exist_ok=True)
            (self.crashes / f"{len(self.signatures)}.bin").write_bytes(data)
        self.signatures[signature] = self.signatures.get(signature, 0) + 1
        self.write()

    def write(self) -> None:
        self.report.write_text(
            json.dumps(
                {
                    "inputs": self.inputs,
                    "escaping": self.escaping,
                    "signatures": self.signatures,
                    "slowest_seconds": self.slowest,
                    "slowest_size": self.slowest_size,
                    "seconds": time.perf_counter() - self.started,
                }
            )
        )


def _worker(name: str, inputs: int, report: Path, crashes: Path, hang: int) -> None:
    import atheris

    with atheris.instrument_imports(include=["phonesim"]):
        from phonesim.errors import PhonesimError

        target = _targets()[name]
    tally = _Tally(report, crashes)
    corpus = report.parent / "corpus"  # in the caller's temporary folder, removed with it
    corpus.mkdir(exist_ok=True)
    for number, seed in enumerate(target.seeds()):  # type: ignore[attr-defined]
        (corpus / f"seed-{number}").write_bytes(seed)
        target.read(seed)  # type: ignore[attr-defined]  # caches and imports warm, not timed

    def one_input(data: bytes) -> None:
        started = time.perf_counter()
        try:
            target.read(data)  # type: ignore[attr-defined]
        except PhonesimError:
            pass
        except Exception as error:  # the finding: anything else escaping the reader
            tally.escaped(error, data)
        elapsed = time.perf_counter() - started
        tally.inputs += 1
        if elapsed > tally.slowest:
            tally.slowest, tally.slowest_size = elapsed, len(data)
        if tally.inputs % REPORT_EVERY == 0 or tally.inputs >= last_stretch:
            tally.write()

    last_stretch = inputs - REPORT_EVERY  # written after each input from here: the end is near
    tally.write()
    args = [
        sys.argv[0],
        f"-runs={inputs}",
        f"-max_len={target.max_size}",  # type: ignore[attr-defined]
        f"-timeout={hang}",
        "-rss_limit_mb=2048",
        "-print_final_stats=0",
        str(corpus),
    ]
    atheris.Setup(args, one_input)
    atheris.Fuzz()


def _run(name: str, inputs: int, crashes: Path, hang: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        command = [sys.executable, __file__, "--worker", name, "--inputs", str(inputs)]
        command += ["--report", str(report), "--crashes", str(crashes / name)]
        command += ["--hang-seconds", str(hang)]
        started = time.perf_counter()
        finished = subprocess.run(command, capture_output=True, text=True, check=False)
        result: dict[str, object] = json.loads(report.read_text()) if report.exists() else {}
        result["wall_seconds"] = time.perf_counter() - started
        result["exit"] = finished.returncode
        if finished.returncode != 0:
            result["libfuzzer"] = finished.stderr.strip().splitlines()[-3:]
        return result


def _print(name: str, result: dict[str, object]) -> None:
    inputs = int(result.get("inputs", 0))  # type: ignore[call-overload]
    seconds = float(result.get("seconds", 0.0)) or 1.0  # type: ignore[arg-type]
    print(
        f"{name:24} inputs {inputs:>10,}  escaping {result.get('escaping', '?'):>3}  "
        f"slowest {1000 * float(result.get('slowest_seconds', 0.0)):8.1f} ms "  # type: ignore[arg-type]
        f"({result.get('slowest_size', 0)} bytes)  {inputs / seconds:8,.0f}/s  "
        f"{result['wall_seconds']:7.0f} s wall",
        flush=True,
    )
    for signature, count in dict(result.get("signatures", {})).items():  # type: ignore[call-overload]
        print(f"    {count:>8,} x {signature}")
    if result.get("exit"):
        print(f"    ended with exit {result['exit']}: {' | '.join(result.get('libfuzzer', []))}")  # type: ignore[arg-type]


def _compare(name: str, inputs: int) -> None:
    """Inputs per second of hypothesis on the same reader and seeds, for the choice above."""
    from hypothesis import HealthCheck, given, settings

    from phonesim.errors import PhonesimError
    from tests.fuzz.target import inputs as strategy

    target = _targets()[name]
    seeds = list(target.seeds())  # type: ignore[attr-defined]

    @settings(
        max_examples=inputs, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(strategy(seeds, target.max_size))  # type: ignore[attr-defined]
    def run(data: bytes) -> None:
        with contextlib.suppress(PhonesimError):
            target.read(data)  # type: ignore[attr-defined]

    started = time.perf_counter()
    run()
    print(f"hypothesis {name}: {inputs / (time.perf_counter() - started):,.0f} inputs/s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--inputs", type=int, default=1_000_000, help="inputs per reader (default 10^6)"
    )
    parser.add_argument(
        "--reader", action="append", help="one reader (repeat for more); default all"
    )
    parser.add_argument("--jobs", type=int, default=1, help="readers fuzzed at once (default 1)")
    parser.add_argument(
        "--crashes", type=Path, default=Path("fuzz-crashes"), help="where escaping inputs go"
    )
    parser.add_argument(
        "--hang-seconds", type=int, default=20, help="one input longer than this is a hang"
    )
    parser.add_argument("--list", action="store_true", help="print the readers and stop")
    parser.add_argument(
        "--compare", metavar="READER", help="hypothesis's rate on READER, for comparison"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--report", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args.worker, args.inputs, args.report, args.crashes, args.hang_seconds)
        return
    targets = _targets()
    if args.list:
        print("\n".join(targets))
        return
    if args.compare:
        _compare(args.compare, min(args.inputs, 20_000))
        return
    names = args.reader or list(targets)
    unknown = [name for name in names if name not in targets]
    if unknown:
        parser.error(f"no reader {', '.join(unknown)} (--list names them)")
    print(f"{len(names)} readers, {args.inputs:,} inputs each, {args.jobs} at once", flush=True)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        runs = {
            name: pool.submit(_run, name, args.inputs, args.crashes, args.hang_seconds)
            for name in names
        }
        for name, run in runs.items():
            _print(name, run.result())


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
