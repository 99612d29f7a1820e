"""A golden trace against a run's, said so a reviewer sees what changed.

Trace lines are long JSON objects; a unified diff shows which lines changed,
and for each line changed in place, the fields that did (`dhcp.inform_sent:
fields.next_wait 4.731 -> 4.7`).
"""

from __future__ import annotations

import difflib
import json
from typing import Any


def describe_difference(golden: str, run: str, *, golden_name: str) -> str:
    old, new = golden.splitlines(), run.splitlines()
    lines = list(
        difflib.unified_diff(old, new, fromfile=golden_name, tofile="this run", lineterm="")
    )
    changed = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "replace" and a1 - a0 == b1 - b0:
            for number, (before, after) in enumerate(
                zip(old[a0:a1], new[b0:b1], strict=True), start=a0 + 1
            ):
                changed.append(_line_change(number, before, after))
    if changed:
        lines += ["", "fields changed in place:", *changed]
    return "\n".join(lines)


def _line_change(number: int, before: str, after: str) -> str:
    try:
        old, new = json.loads(before), json.loads(after)
    except ValueError:
        return f"  line {number}: not JSON"
    flat_old, flat_new = _flatten(old), _flatten(new)
    keys = [k for k in dict.fromkeys([*flat_old, *flat_new]) if flat_old.get(k) != flat_new.get(k)]
    said = "; ".join(
        f"{key} {json.dumps(flat_old.get(key))} -> {json.dumps(flat_new.get(key))}" for key in keys
    )
    return f"  line {number} {new.get('stage')}.{new.get('event')}: {said}"


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(_flatten(item, f"{prefix}{key}."))
        return flat
    return {prefix.rstrip("."): value}
