"""A run folder's result.json read back, as `phonesim diagnose --from-run` reads it.

The folder may come from a colleague, a ticket or an older phonesim, and may have been
edited: every field the readers below use is checked for its type here, so that a damaged
one is a single line naming the file and the field rather than a traceback further on.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from phonesim.errors import UsageError

TEXT_FIELDS = (
    "TargetUri",
    "TargetFqdn",
    "Result",
    "Reached",
    "Latency",
    "Error",
    "Diagnosis",
    "DiscoverySource",
    "PhoneScreen",
    "Reason",
    "Stage",
)
"""What the result's table prints as text (None, or absent, when there is nothing)."""
TABLE_FIELDS = ("Held", "DiscoveryCache")
EXIT_CODES = range(256)


def read_saved_result(path: Path) -> dict[str, Any]:
    """The result as written, checked; an empty dict when the run wrote none (a run cut
    short still has its trace, and its findings stand)."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"{path}: cannot read ({_why(error)})") from None
    try:
        result = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as error:
        raise UsageError(f"{path}: not a phonesim result ({_why(error)})") from None
    if not isinstance(result, dict):
        raise UsageError(f"{path}: not a phonesim result (a JSON object is expected)")
    _check(path, result)
    return result


def _check(path: Path, result: dict[str, Any]) -> None:
    code = result.get("ExitCode", 0)
    if isinstance(code, bool) or not isinstance(code, int) or code not in EXIT_CODES:
        raise UsageError(f"{path}: ExitCode {str(code)[:40]!r} is not an exit code (0-255)")
    for key in TEXT_FIELDS:
        value = result.get(key)
        if value is not None and not isinstance(value, str):
            raise UsageError(f"{path}: {key} is {type(value).__name__}, text was expected")
    for key in TABLE_FIELDS:
        value = result.get(key)
        if value is not None and not isinstance(value, dict):
            raise UsageError(f"{path}: {key} is {type(value).__name__}, an object was expected")
    latency = result.get("LatencySeconds")
    if latency is not None and (
        isinstance(latency, bool)
        or not isinstance(latency, int | float)
        or not math.isfinite(latency)
    ):
        raise UsageError(f"{path}: LatencySeconds {str(latency)[:40]!r} is not a number")


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _why(error: Exception) -> str:
    return getattr(error, "strerror", None) or str(error)[:120]


__all__ = ["read_saved_result"]
