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


CORE = ROOT / "phonesim" / "core"
SCHEMA_FILES = {"stage.py", "trace_schema.py"}


def core_modules() -> list[tuple[Path, ast.Module]]:
    return [
        (path, ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(CORE.rglob("*.py"))
        if path.name not in SCHEMA_FILES
    ]


def declarations_named(node: ast.expr) -> list[trace_schema.TraceEvent]:
    """The declarations a `trace()` call's first argument can be: a constant of the schema,
    either branch of `A if c else B`, or an entry of `STOPPED` / `FAILED`."""
    if isinstance(node, ast.IfExp):
        return declarations_named(node.body) + declarations_named(node.orelse)
    if isinstance(node, ast.Name):
        found = getattr(trace_schema, node.id, None)
        return [found] if isinstance(found, trace_schema.TraceEvent) else []
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        table = getattr(trace_schema, node.value.id, None)
        if table in (trace_schema.STOPPED, trace_schema.FAILED):
            return list(table.values())
    return []


def trace_calls() -> list[tuple[str, ast.Call]]:
    """Every `<outbox>.trace(...)` in the core, with where it is."""
    return [
        (f"{path.relative_to(ROOT)}:{node.lineno}", node)
        for path, tree in core_modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "trace"
    ]


def test_every_event_the_core_emits_is_a_declaration_with_its_fields() -> None:
    calls = trace_calls()
    assert len(calls) >= 45  # every event of the boot, each emitted where its stage decides
    for where, call in calls:
        declarations = declarations_named(call.args[0])
        assert declarations, f"{where}: traces {ast.unparse(call.args[0])}, not a declaration"
        named = {keyword.arg for keyword in call.keywords if keyword.arg is not None}
        for declared in declarations:
            assert named <= declared.fields, (
                f"{where}: {declared.key} given undeclared {sorted(named - declared.fields)}"
            )


def test_only_the_outbox_builds_a_trace() -> None:
    built = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path, tree in core_modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "Trace"
    ]
    assert {where.split(":")[0] for where in built} == {"phonesim/core/outbox.py"}


def test_no_stage_or_event_is_spelt_out_in_the_core() -> None:
    """Stages and events are named by `Stage` and the declarations, never by their text:
    not compared with, not traced, not failed under."""
    spellings = {str(stage) for stage in Stage} | {
        text for event in trace_schema.DECLARED for text in (event.key, event.name)
    }
    spelt = []
    for path, tree in core_modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                operands = [node.left, *node.comparators]
            elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "trace":
                operands = list(node.args)
            elif isinstance(node, ast.Call) and getattr(node.func, "id", None) in (
                "Failed",
                "Failure",
                "Success",
                "Trace",
            ):
                operands = [*node.args, *(k.value for k in node.keywords if k.arg == "stage")]
            else:
                continue
            for operand in operands:
                for constant in ast.walk(operand):
                    if isinstance(constant, ast.Constant) and constant.value in spellings:
                        spelt.append(
                            f"{path.relative_to(ROOT)}:{constant.lineno} {constant.value!r}"
                        )
    assert spelt == []


def test_declarations_use_the_stages_and_keys_are_unique_per_level() -> None:
    seen: set[tuple[str, str]] = set()
    for event in trace_schema.DECLARED:
        assert isinstance(event.stage, Stage)
        for level in event.levels:
            assert (event.key, level) not in seen, (event.key, level)
            seen.add((event.key, level))
