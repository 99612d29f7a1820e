"""Every trace event the phone emits is declared in `phonesim.core.trace_schema`, with the
fields it carries: the golden traces (every catalogue scenario and the core's main paths)
and every emitting call in the core are held to the declarations."""

from __future__ import annotations

import ast
import importlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from phonesim.core import flow, trace_schema
from phonesim.core.stage import Stage
from phonesim.core.trace_event import TraceEvent

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


def namespace_of(path: Path) -> dict[str, Any]:
    """The names a core module's code sees: what it declares and what it imports."""
    dotted = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    return vars(importlib.import_module(dotted))


def declarations_named(node: ast.expr, namespace: Mapping[str, Any]) -> list[TraceEvent]:
    """The events a `trace()` call's first argument can be: a name bound to an event,
    either branch of `A if c else B`, or an entry of a table of events (`STOPPED[stage]`,
    `REACHED[stage]`: any of its values). Whether each is declared is the caller's check."""
    if isinstance(node, ast.IfExp):
        return declarations_named(node.body, namespace) + declarations_named(node.orelse, namespace)
    if isinstance(node, ast.Name):
        found = namespace.get(node.id)
        return [found] if isinstance(found, TraceEvent) else []
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        table = namespace.get(node.value.id)
        if isinstance(table, Mapping) and table:
            values = list(table.values())
            if all(isinstance(value, TraceEvent) for value in values):
                return values
    return []


def trace_calls(tree: ast.Module) -> list[ast.Call]:
    """Every `<outbox>.trace(...)` of a module."""
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "trace"
    ]


def emitting_problems(tree: ast.Module, namespace: Mapping[str, Any]) -> list[str]:
    """What is wrong with a module's `trace()` calls: one that names no event, an event
    that is not one of the schema's declarations, a field the declaration does not give."""
    problems = []
    for call in trace_calls(tree):
        where = f"{call.lineno}: {ast.unparse(call.args[0])}"
        events = declarations_named(call.args[0], namespace)
        if not events:
            problems.append(f"{where} is not a declaration")
        named = {keyword.arg for keyword in call.keywords if keyword.arg is not None}
        for event in events:
            if event not in trace_schema.DECLARED:
                problems.append(f"{where}: {event.key} is not declared in the schema")
            elif not named <= event.fields:
                problems.append(
                    f"{where}: {event.key} given undeclared {sorted(named - event.fields)}"
                )
    return problems


def test_every_event_the_core_emits_is_a_declaration_with_its_fields() -> None:
    calls = 0
    problems = []
    for path, tree in core_modules():
        calls += len(trace_calls(tree))
        where = path.relative_to(ROOT)
        problems += [
            f"{where}:{problem}" for problem in emitting_problems(tree, namespace_of(path))
        ]
    assert calls >= 45  # every event of the boot, each emitted where its stage decides
    assert problems == []


EMITTER = """
def end(out, stage, fields):
    out.trace(ENDINGS[stage], **fields)
"""


def test_an_ending_from_a_table_is_held_to_the_declarations_like_any_other() -> None:
    tree = ast.parse(EMITTER)
    declared = {Stage.TLSDSK: trace_schema.TLSDSK_SIGNED_IN}
    assert emitting_problems(tree, {"ENDINGS": declared}) == []
    undeclared = TraceEvent(Stage.TLSDSK, "signed_in_twice", frozenset({"registrar"}), "")
    assert emitting_problems(tree, {"ENDINGS": {**declared, Stage.HELD: undeclared}}) == [
        "3: ENDINGS[stage]: tlsdsk.signed_in_twice is not declared in the schema"
    ]
    assert emitting_problems(tree, {"ENDINGS": {Stage.TLSDSK: "tlsdsk.signed_in"}}) == [
        "3: ENDINGS[stage] is not a declaration"
    ]


def test_every_stage_a_boot_stops_after_has_one_ending() -> None:
    """The boot's end is looked up by the stage it was asked to stop after: each has its
    event in exactly one of the tables, or the boot could not end."""
    tables = (trace_schema.STOPPED, trace_schema.REACHED)
    for stage in flow.STOP_AFTER:
        assert sum(stage in table for table in tables) == 1, stage
    assert set(trace_schema.STOPPED) | set(trace_schema.REACHED) == set(flow.STOP_AFTER)


def test_every_group_of_declarations_is_in_the_schema() -> None:
    """An event declared in a stage's module is one the readers find by its name."""
    for group in trace_schema.GROUPS:
        for name, value in vars(group).items():
            if isinstance(value, TraceEvent):
                assert value in trace_schema.DECLARED, f"{group.__name__}.{name}"
                assert getattr(trace_schema, name) is value, f"{group.__name__}.{name}"


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
