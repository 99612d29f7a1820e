"""Warning and critical thresholds in the Monitoring Plugins range syntax, on durations.

The development guidelines define `[@]start:end`: `10` alerts outside 0..10, `10:` below
10, `~:10` above 10, `10:20` outside 10..20 and `@10:20` inside it. Monitoring admins
already write ranges this way for every other check, so `-w 2s` means what it means for
check_http. Each end is a duration here (`2s`, `500ms`, a bare number of seconds), and the
range is written back in seconds in the performance data, whose unit is `s`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from phonesim.errors import UsageError

_END = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h)?$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
RANGE_EXAMPLES = "`2s`, `500ms`, `1:5` (alert outside 1..5 s), `@1:2` (inside), `~:3`"


@dataclass(frozen=True, slots=True)
class ThresholdRange:
    start: float
    end: float
    inside: bool = False
    """`@`: alert when the value is inside the range, not outside it."""
    text: str = ""

    def alerts(self, value: float) -> bool:
        within = self.start <= value <= self.end
        return within if self.inside else not within

    def perfdata(self) -> str:
        """The range in seconds, as the performance data's warn/crit field carries it."""
        start = "~" if self.start == -math.inf else _number(self.start)
        end = "" if self.end == math.inf else _number(self.end)
        if start == "0" and not self.inside:
            return end
        return f"{'@' if self.inside else ''}{start}:{end}"


def parse_range(text: str, option: str) -> ThresholdRange:
    """`[@][start:][end]`, each end a duration; `~` an open start."""
    body = text.strip()
    inside = body.startswith("@")
    body = body.removeprefix("@")
    if ":" in body:
        low, high = body.split(":", 1)
        start = -math.inf if low == "~" else _seconds(low, text, option)
        end = math.inf if high == "" else _seconds(high, text, option)
    else:
        start, end = 0.0, _seconds(body, text, option)
    if start > end:
        raise UsageError(f"{option} {text!r}: the range starts after it ends")
    return ThresholdRange(start, end, inside, text)


def _seconds(part: str, text: str, option: str) -> float:
    match = _END.match(part.strip())
    if not match:
        raise UsageError(
            f"{option} {text!r}: give a range of durations in the Monitoring Plugins syntax, "
            f"e.g. {RANGE_EXAMPLES}"
        )
    return float(match.group(1)) * _UNITS[match.group(2) or "s"]


def _number(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".") or "0"


__all__ = ["RANGE_EXAMPLES", "ThresholdRange", "parse_range"]
