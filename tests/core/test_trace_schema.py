"""Every trace event the phone emits is declared in `phonesim.core.trace_schema`, with the
fields it carries: the golden traces (every catalogue scenario and the core's main paths)
and every emitting call in the core are held to the declarations."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from phonesim.core import trace_schema
from phonesim.core.stage import Stage

ROOT = Path(__file__).resolve().parents[2]
GOLDENS = sorted((ROOT / "tests" / "golden").rglob("*.trace.jsonl"))


def test_the_goldens_are_there() -> None:
    assert len(GOLDENS) >= 30


@pytest.mark.parametrize("golden", GOLDENS, ids=lambda p: str(p.relative_to(p.parents[1])))
def test_every_event_of_a_golden_trace_is_declared_with_its_fields(golden: Path) -> None:
    for number, line in enumerate(golden.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        trace = json.loads(line)
        event = trace_schema.declared(trace["stage"], trace["event"], trace["level"])
        assert event is not None, (
            f"line {number}: {trace['stage']}.{trace['event']} {trace['level']}"
        )
        assert set(trace["fields"]) <= event.fields, (
            f"line {number}: {event.key} carries undeclared "
            f"{sorted(set(trace['fields']) - event.fields)}"
        )


def emitted_in_core() -> list[tuple[str, str, int]]:
    """(stage, event, line) of every `_trace(now, "<stage>", "<event>", ...)` in the core."""
    found = []
    for path in (ROOT / "phonesim" / "core").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "_trace":
                stage, event = node.args[1:3]
                if isinstance(stage, ast.Constant) and isinstance(event, ast.Constant):
                    found.append((stage.value, event.value, node.lineno))
    return found


def test_every_literal_event_the_core_emits_is_declared() -> None:
    emitted = emitted_in_core()
    assert emitted
    missing = [
        (stage, event, line)
        for stage, event, line in emitted
        if not any(e.stage == stage and e.name == event for e in trace_schema.DECLARED)
    ]
    assert missing == []


def test_declarations_use_the_stages_and_keys_are_unique_per_level() -> None:
    seen: set[tuple[str, str]] = set()
    for event in trace_schema.DECLARED:
        assert isinstance(event.stage, Stage)
        for level in event.levels:
            assert (event.key, level) not in seen, (event.key, level)
            seen.add((event.key, level))
