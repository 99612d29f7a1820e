"""Every reader of the trace refers to the declarations in `phonesim.core.trace_schema`, and
every field it reads is one its event declares.

The readers (diagnosis, report, fleet, replay, the command line) are read as source:

- no `"stage.event"` literal of a declared event (a finding id of the same shape, as an
  index of `TEXTS`, is a finding's name), no `("stage", "event")` literal pair, no
  `.event` compared with a declared event's name, and no `.stage` compared with a stage's
  literal (the command line's `args.stage` is an option, not a trace);
- no field read by a literal name straight off `.fields`: a reader reads an event's fields
  through its declaration (`fields_of(EVENT, trace)`, a function marked `@reads(EVENT)` or
  `@says(EVENT)`, or `declared_field(EVENT, "name")`), and each literal name it reads there
  is a field the event declares (for a function that reads several events, every one of
  them). A field renamed in the declarations fails here, naming the reader and the line.

Reads the source cannot tie to an event are still checked when they run: a declared
event's fields refuse an undeclared name (`diagnosis/declared_fields.py`). Every other
module of the package (the core, the drivers, the lab) writes no declared event as a
`"stage.event"` key or a literal pair either.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from phonesim.core import trace_schema
from phonesim.core.stage import Stage
from phonesim.diagnosis.declared_fields import Declaration
from phonesim.replay.replay_notes import ReplayNote

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "phonesim"
READERS = sorted(
    path
    for area in ("diagnosis", "report", "fleet", "replay", "cli")
    for path in (PACKAGE / area).rglob("*.py")
)
KEYS = {event.key for event in trace_schema.DECLARED}
PAIRS = {(str(event.stage), event.name) for event in trace_schema.DECLARED}
NAMES = {event.name for event in trace_schema.DECLARED}
STAGES = {str(stage) for stage in Stage}
DECLARATION_TYPES = (trace_schema.TraceEvent, ReplayNote)
BINDERS = ("fields_of",)
"""Calls whose first argument is the declaration of the fields they return."""
MARKERS = ("reads", "says")
"""Decorators whose arguments are the declarations of the function's first argument."""
FINDING_TEXTS = "TEXTS"
"""The table of finding texts, indexed by finding id."""
KNOWN_VIEWS = {"failure_fields": tuple(trace_schema.FAILED.values())}
"""Attributes that are the fields of a known event (BootRecord.failure_fields)."""


def module_of(path: Path) -> Any:
    dotted = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    return importlib.import_module(dotted)


def declarations(node: ast.expr, namespace: dict[str, Any]) -> tuple[Declaration, ...] | None:
    """The declaration(s) an expression of the reader's module stands for, if it can tell."""
    try:
        value = eval(compile(ast.Expression(node), "<reader>", "eval"), dict(namespace))
        values = (value,) if isinstance(value, DECLARATION_TYPES) else tuple(value)
    except Exception:
        return None
    if values and all(isinstance(v, DECLARATION_TYPES) for v in values):
        return tuple(values)
    return None


def _name(call: ast.expr) -> str:
    func = call.func if isinstance(call, ast.Call) else call
    return getattr(func, "id", getattr(func, "attr", ""))


@dataclass
class Problem:
    path: Path
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}: {self.text}"


class LiteralCheck(ast.NodeVisitor):
    """Declared events written as literals: a `"stage.event"` key, a `("stage", "event")` pair."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def problem(self, node: ast.AST, text: str) -> None:
        self.problems.append(Problem(self.path, getattr(node, "lineno", 0), text))

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and node.value in KEYS:
            self.problem(node, f"the event key {node.value!r} as a literal: use its declaration")

    def visit_Tuple(self, node: ast.Tuple) -> None:
        values = [e.value for e in node.elts if isinstance(e, ast.Constant)]
        if len(node.elts) == 2 and len(values) == 2 and tuple(values) in PAIRS:
            self.problem(
                node, f"the event {tuple(values)!r} as a literal pair: use its declaration"
            )
        self.generic_visit(node)


class ReaderCheck(LiteralCheck):
    """A reader: the literals, events compared by hand, and every field it reads."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.namespace = vars(module_of(path))
        self.scopes: list[dict[str, tuple[Declaration, ...]]] = [{}]
        self.area = path.relative_to(PACKAGE).parts[0]
        self.checked_reads = 0

    # -- names bound to an event's fields ------------------------------------------------

    def bound(self, node: ast.expr) -> tuple[Declaration, ...] | None:
        """The declarations whose fields `node` is, when the source says so."""
        if isinstance(node, ast.Name):
            for scope in reversed(self.scopes):
                if node.id in scope:
                    return scope[node.id]
            return None
        if isinstance(node, ast.Call) and _name(node) in BINDERS and node.args:
            return declarations(node.args[0], self.namespace)
        if isinstance(node, ast.Attribute) and node.attr in KNOWN_VIEWS:
            return KNOWN_VIEWS[node.attr]
        return None

    def _binding(self, value: ast.expr) -> tuple[Declaration, ...] | None:
        if isinstance(value, ast.IfExp):
            # Either branch's fields: a read must suit both.
            both = [b for b in (self._binding(value.body), self._binding(value.orelse)) if b]
            return tuple(e for events in both for e in events) or None
        if (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr == "get"
            and value.args
        ):
            # `last.get(EVENT)`: a table of fields kept by their event.
            found = declarations(value.args[0], self.namespace)
            if found is not None:
                return found
        if isinstance(value, ast.Name | ast.Call | ast.Attribute):
            return self.bound(value)
        return None

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        scope: dict[str, tuple[Declaration, ...]] = {}
        for decorator in node.decorator_list:
            if isinstance(decorator, ast.Call) and _name(decorator) in MARKERS:
                events = tuple(
                    d for arg in decorator.args for d in self._marker_events(arg, decorator) or ()
                )
                if node.args.args and events:
                    scope[node.args.args[0].arg] = events
        self.scopes.append(scope)
        self.generic_visit(node)
        self.scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def _marker_events(self, arg: ast.expr, decorator: ast.Call) -> tuple[Declaration, ...]:
        node = arg.value if isinstance(arg, ast.Starred) else arg
        found = declarations(node, self.namespace)
        if found is None:
            self.problem(decorator, f"cannot tell which events {ast.unparse(arg)} declares")
            return ()
        return found

    def visit_Assign(self, node: ast.Assign) -> None:
        events = self._binding(node.value)
        if events is not None:
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.scopes[-1][target.id] = events
        self.generic_visit(node)

    # -- literals and reads --------------------------------------------------------------

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if isinstance(node.value, ast.Name) and node.value.id == FINDING_TEXTS:
            return  # a finding id: `discovery.cache_used` names a finding and an event alike
        self._read(node, node.value, node.slice)
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        sides = [node.left, *node.comparators]
        attributes = [s.attr for s in sides if isinstance(s, ast.Attribute)]
        literals = {
            c.value
            for side in sides
            for c in ([side] if isinstance(side, ast.Constant) else getattr(side, "elts", []))
            if isinstance(c, ast.Constant) and isinstance(c.value, str)
        }
        if "event" in attributes and literals & NAMES:
            self.problem(
                node, f"`.event` compared with {sorted(literals & NAMES)}: use a declaration"
            )
        if "stage" in attributes and literals & STAGES and self.area != "cli":
            self.problem(node, f"`.stage` compared with {sorted(literals & STAGES)}: use Stage")
        for op, left, right in zip(node.ops, sides, sides[1:], strict=False):
            if isinstance(op, ast.In | ast.NotIn):
                self._read(node, right, left)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "get" and node.args:
            self._read(node, func.value, node.args[0])
        if _name(node) == "declared_field" and len(node.args) == 2:
            events = declarations(node.args[0], self.namespace)
            if events is not None:
                self._held(node, events, node.args[1])
            elif isinstance(node.args[1], ast.Constant):
                self.problem(node, f"cannot tell which event {ast.unparse(node.args[0])} is")
            # else: both come from a table, and declared_field checks them when it loads
        self.generic_visit(node)

    def _read(self, node: ast.AST, mapping: ast.expr, key: ast.expr) -> None:
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            return
        if isinstance(mapping, ast.Attribute) and mapping.attr == "fields":
            self.problem(
                node, f"field {key.value!r} read straight off `.fields`: read it by its declaration"
            )
            return
        events = self.bound(mapping)
        if events is not None:
            self._held(node, events, key)

    def _held(self, node: ast.AST, events: tuple[Declaration, ...], key: ast.expr) -> None:
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            return
        self.checked_reads += 1
        for event in events:
            if key.value not in event.fields:
                self.problem(node, f"{event.key} declares no field {key.value!r}")


def check(path: Path) -> ReaderCheck:
    checker = ReaderCheck(path)
    checker.visit(ast.parse(path.read_text(encoding="utf-8")))
    return checker


@pytest.mark.parametrize("path", READERS, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_reader_refers_to_the_declarations_and_reads_declared_fields(path: Path) -> None:
    problems = check(path).problems
    assert not problems, "\n".join(map(str, problems))


def test_no_module_writes_a_declared_event_as_a_literal_key_or_pair() -> None:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "core" / "trace_schema.py" or path in READERS:
            continue
        checker = LiteralCheck(path)
        checker.visit(ast.parse(path.read_text(encoding="utf-8")))
        problems += checker.problems
    assert not problems, "\n".join(map(str, problems))


def test_the_readers_fields_are_checked_in_every_area() -> None:
    reads: dict[str, int] = {}
    for path in READERS:
        area = path.relative_to(PACKAGE).parts[0]
        reads[area] = reads.get(area, 0) + check(path).checked_reads
    assert reads["diagnosis"] > 100
    assert reads["report"] > 80
    assert reads["fleet"] > 5
    assert reads["replay"] > 10


def iter_problems(source: str, name: str = "phonesim/report/event_sentences.py") -> Iterator[str]:
    checker = ReaderCheck(ROOT / name)
    checker.visit(ast.parse(source))
    return (p.text for p in checker.problems)


def test_a_renamed_field_fails_naming_the_event() -> None:
    source = "@says(ts.DHCP_ANSWER)\ndef _answer(f):\n    return f['option_120_encodingx']\n"
    assert list(iter_problems(source)) == ["dhcp.answer declares no field 'option_120_encodingx'"]


def test_a_field_read_through_fields_of_is_held_to_its_event() -> None:
    source = (
        "def rule(record, step):\n"
        "    answer = fields_of(ts.DHCP_ANSWER_WON, step)\n"
        "    return answer.get('source'), 'server' in answer\n"
    )
    assert list(iter_problems(source)) == ["dhcp.answer_won declares no field 'source'"]


def test_literal_keys_pairs_comparisons_and_raw_field_reads_are_refused() -> None:
    source = (
        "def reader(trace):\n"
        "    a = trace.event == 'answer_won'\n"
        "    b = ('dhcp', 'answer_won')\n"
        "    c = 'discovery.decided'\n"
        "    d = trace.fields.get('server')\n"
        "    e = trace.stage in ('dhcp', 'dns')\n"
    )
    assert len(list(iter_problems(source))) == 5
