"""One zip of a run for a ticket: the run folder, its report, the profile the phone ran with,
phonesim's version and the command line without the PIN.

A colleague who gets the zip must be able to open report.html, read the logs, and repeat
the boot with the same profile; what they must not get is the user's PIN, so the command
line is taken from the run folder's record (which never held it) and cleared again.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from phonesim.errors import UsageError
from phonesim.report.boot_page import REPORT, boot_page
from phonesim.report.command_line import COMMAND_LINE, without_pin

MANIFEST = "bundle.json"
RESULT = "result.json"
TRACE = "trace.jsonl"


@dataclass(frozen=True)
class Member:
    name: str
    size: int
    origin: str
    """Where it came from: `run folder`, `made for the bundle`, or a path."""


def bundle_run(run_dir: Path, out: Path, version: str) -> list[Member]:
    """Write the zip; the members, for `--json`."""
    files = _run_files(run_dir)
    result = _result(run_dir)
    root = run_dir.resolve().name
    entries: list[tuple[str, bytes, str]] = []
    for path in files:
        relative = path.relative_to(run_dir).as_posix()
        if relative == COMMAND_LINE:
            continue
        entries.append((f"{root}/{relative}", _read(path), "run folder"))
    if not (run_dir / REPORT).is_file():
        entries.append((f"{root}/{REPORT}", _page(run_dir, result).encode(), "made for the bundle"))
    argv = _command_line(run_dir)
    profile = _profile_file(result, argv)
    if profile is not None:
        entries.append((f"{root}/profile/{profile.name}", _read(profile), str(profile)))
    manifest = {
        "PhonesimVersion": version,
        "CommandLine": argv,
        "BundledAt": datetime.now(UTC).isoformat(),
        "RunFolder": root,
        "Profile": None if profile is None else f"profile/{profile.name}",
    }
    entries.append(
        (
            f"{root}/{MANIFEST}",
            (json.dumps(manifest, indent=2) + "\n").encode(),
            "made for the bundle",
        )
    )
    _write_zip(out, entries)
    return [Member(name, len(data), origin) for name, data, origin in entries]


def _run_files(run_dir: Path) -> list[Path]:
    if not run_dir.exists():
        raise UsageError(f"bundle {run_dir}: no such folder")
    if not run_dir.is_dir():
        raise UsageError(f"bundle {run_dir}: not a folder (give a run folder)")
    try:
        files = sorted(p for p in run_dir.rglob("*") if p.is_file() and not p.is_symlink())
    except OSError as error:
        raise UsageError(f"bundle {run_dir}: cannot read it ({error.strerror})") from None
    if not any(p.name == RESULT for p in files):
        raise UsageError(f"bundle {run_dir}: not a run folder (no {RESULT} in it)")
    return files


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise UsageError(f"bundle: cannot read {path} ({error.strerror})") from None


def _result(run_dir: Path) -> dict[str, Any]:
    try:
        result = json.loads(_read(run_dir / RESULT))
    except ValueError:
        raise UsageError(f"bundle {run_dir}: {RESULT} is not JSON") from None
    if not isinstance(result, dict):
        raise UsageError(f"bundle {run_dir}: {RESULT} is not a result object")
    return result


def _page(run_dir: Path, result: dict[str, Any]) -> str:
    """For a run folder written before pages were: made from its trace."""
    from phonesim.probe.step_timing import waterfall
    from phonesim.report.trace_log import read_trace_log

    path = run_dir / TRACE
    traces = []
    if path.is_file():
        with path.open(encoding="utf-8") as stream:
            traces = list(read_trace_log(stream, str(path)))
    return boot_page(result, traces, waterfall(traces))


def _command_line(run_dir: Path) -> list[str] | None:
    path = run_dir / COMMAND_LINE
    if not path.is_file():
        return None
    try:
        argv = json.loads(_read(path)).get("Argv")
    except (ValueError, AttributeError):
        return None
    return without_pin([str(arg) for arg in argv]) if isinstance(argv, list) else None


def _profile_file(result: dict[str, Any], argv: list[str] | None) -> Path | None:
    from phonesim.profiles import available_profiles

    given = _option(argv or [], "--profile")
    if given is not None and Path(given).is_file():
        return Path(given)
    name = (result.get("Phone") or {}).get("Profile")
    return available_profiles().get(str(name)) if name else None


def _option(argv: list[str], option: str) -> str | None:
    for index, arg in enumerate(argv):
        if arg == option and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith(f"{option}="):
            return arg.partition("=")[2]
    return None


def _write_zip(out: Path, entries: list[tuple[str, bytes, str]]) -> None:
    """Beside its final name, then renamed: a half-written zip is never left under it."""
    directory = out.parent if str(out.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", dir=directory)
    except OSError as error:
        raise UsageError(f"bundle: cannot write {out} ({error.strerror})") from None
    try:
        with (
            os.fdopen(handle, "wb") as stream,
            zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive,
        ):
            for name, data, _origin in entries:
                archive.writestr(name, data)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


__all__ = ["Member", "bundle_run"]
