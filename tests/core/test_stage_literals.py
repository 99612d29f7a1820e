"""No stage written as a literal outside its declaration, `phonesim.core.stage.Stage`.

A stage spelled `"registrar"` by hand is a second declaration: renamed or split in the
enum, it silently stops matching. The scan reads every module of the package and flags a
string equal to a `Stage` value where the code uses it *as a stage*:

- compared with something named for a stage (`stage`, `.stage`, `final_stage`,
  `config["stage"]`, `summary.get("stage")`, `STAGES`), directly or in a tuple, list or
  set, or through a name the module binds to such literals;
- passed for a parameter named for a stage (`stage=`, `final_stage=`), as a keyword, or
  positionally to a function or class of the same module, or as such a parameter's
  default; bound to a name named for a stage (`stage = "dhcp"`, a dataclass field
  `final_stage: str = "registrar"`, `STAGES = (...)`); the default of
  `.get("stage", ...)`, or of a command-line option whose choices are stages;
- `Stage("dhcp")`;
- a key or value of a dict keyed by stage (`{Stage.DHCP: "dhcp"}`) or by trace event
  (`{ts.DNS_QUERY: "dns"}`: a trace event's stage is its declaration's).

Words that only look like stages are left alone: a scenario file's `[dhcp]` table, a
trace field named `registrar`, a discovery source `"dns"`, a DNS label in prose. A stage
is a step of the fleet's stage clock too (`step`): the fleet measures the stages.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from phonesim.core.stage import Stage

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "phonesim"
DECLARATION = PACKAGE / "core" / "stage.py"
STAGES = {str(stage) for stage in Stage}
STAGE_NAME = re.compile(r"(?:\w+_)?(?:stage|step)s?(?:_\w+)?", re.IGNORECASE)
"""A name that holds a stage: stage, stages, final_stage, STAGES, stage_name, step."""
DECLARED = ("Stage", "ts", "trace_schema")
"""`Stage.X` and `ts.X`: a dict with such keys is keyed by stage or by trace event."""


class StageLiterals(ast.NodeVisitor):
    def __init__(self, tree: ast.Module) -> None:
        self.hits: list[ast.Constant] = []
        self.bound: dict[str, list[ast.Constant]] = {}
        self.parameters: dict[str, list[str]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    if isinstance(target, ast.Name):
                        self.bound.setdefault(target.id, []).extend(_literals(node.value))
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self.parameters[node.name] = [a.arg for a in node.args.args]
            elif isinstance(node, ast.ClassDef):
                self.parameters[node.name] = [
                    s.target.id
                    for s in node.body
                    if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
                ]

    def flag(self, node: ast.expr | None) -> None:
        if node is not None:
            self.hits += _literals(node)
            if isinstance(node, ast.Name):
                self.hits += self.bound.get(node.id, [])

    def visit_Compare(self, node: ast.Compare) -> None:
        sides = [node.left, *node.comparators]
        if any(_holds_a_stage(side) for side in sides):
            for side in sides:
                self.flag(side)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name == "Stage":
            for arg in node.args:
                self.flag(arg)
        for parameter, arg in zip(self.parameters.get(name or "", []), node.args, strict=False):
            if STAGE_NAME.fullmatch(parameter):
                self.flag(arg)
        keywords = {keyword.arg: keyword.value for keyword in node.keywords}
        for arg, value in keywords.items():
            if arg and STAGE_NAME.fullmatch(arg):
                self.flag(value)
        if "choices" in keywords and _holds_a_stage(keywords["choices"]):
            self.flag(keywords.get("default"))  # an option whose choices are stages
        if _is_get(node) and len(node.args) == 2 and _holds_a_stage(node):
            self.flag(node.args[1])
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        positional = [*node.args.posonlyargs, *node.args.args]
        pairs = [
            *zip(
                positional[len(positional) - len(node.args.defaults) :],
                node.args.defaults,
                strict=True,
            ),
            *zip(node.args.kwonlyargs, node.args.kw_defaults, strict=True),
        ]
        for arg, default in pairs:
            if STAGE_NAME.fullmatch(arg.arg):
                self.flag(default)
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Assign(self, node: ast.Assign | ast.AnnAssign) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if any(STAGE_NAME.fullmatch(_name_of(t) or "") for t in targets):
            self.flag(node.value)
        self.generic_visit(node)

    visit_AnnAssign = visit_Assign  # type: ignore[assignment]

    def visit_Dict(self, node: ast.Dict) -> None:
        if any(_is_declared(key) for key in node.keys):
            for key in node.keys:
                self.flag(key)
            # Its values are stages when most of its texts are: not when one text of
            # several happens to be a stage's word ({Stage.REGISTRAR: "registrar"}).
            texts = [v for v in node.values if isinstance(v, ast.Constant)]
            if len(_literals_in(node.values)) * 2 > len(texts):
                for value in node.values:
                    self.flag(value)
        self.generic_visit(node)


def _literals(node: ast.expr) -> list[ast.Constant]:
    items = node.elts if isinstance(node, ast.Tuple | ast.List | ast.Set) else [node]
    return [
        item
        for item in items
        if isinstance(item, ast.Constant) and isinstance(item.value, str) and item.value in STAGES
    ]


def _literals_in(nodes: list[ast.expr]) -> list[ast.Constant]:
    return [literal for node in nodes for literal in _literals(node)]


def _name_of(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        return str(node.slice.value)
    if _is_get(node) and isinstance(node.args[0], ast.Constant):  # type: ignore[attr-defined]
        return str(node.args[0].value)  # type: ignore[attr-defined]
    return None


def _is_get(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and bool(node.args)
    )


def _holds_a_stage(node: ast.expr) -> bool:
    return bool(STAGE_NAME.fullmatch(_name_of(node) or ""))


def _is_declared(node: ast.expr | None) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in DECLARED
    )


def stage_literals(source: str) -> Iterator[tuple[int, str]]:
    checker = StageLiterals(tree := ast.parse(source))
    checker.visit(tree)
    unique = {id(hit): hit for hit in checker.hits}.values()
    return ((hit.lineno, hit.value) for hit in sorted(unique, key=lambda h: h.lineno))


def test_no_module_writes_a_stage_as_a_literal() -> None:
    unexpected = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: the stage {value!r} as a literal: "
        f"use Stage.{value.upper()}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != DECLARATION
        for line, value in stage_literals(path.read_text(encoding="utf-8"))
    ]
    assert not unexpected, "\n".join(unexpected)


@pytest.mark.parametrize(
    "source",
    [
        "def f(trace):\n    return trace.stage == 'dhcp'\n",
        "def f(summary):\n    return summary['config'].get('stage', 'registrar')\n",
        "def f(config):\n    return config['stage'] in ('dhcp', 'dns')\n",
        "def f(final_stage: str = 'registrar'):\n    pass\n",
        "def f(*, final_stage='registrar'):\n    pass\n",
        "boot(final_stage='discovery')\n",
        "class Plan:\n    final_stage: str = 'registrar'\n",
        "STAGES = ('dhcp', 'dns', 'time')\n",
        "NEEDS = ('certprov', 'registrar')\ndef f(plan):\n    return plan.final_stage in NEEDS\n",
        "Stage('time')\n",
        "parser.add_argument('--stop-after', choices=STAGES, default='registrar')\n",
        "LAST = {Stage.DHCP: 'dhcp', Stage.TIME: 'time'}\n",
        "STARTS = {ts.DNS_QUERY: 'dns', ts.CERTPROV_METADATA: 'metadata', ts.TIME_QUERY: 'time'}\n",
        "class Failed:\n    step: str\n    why: str\nFAILED = Failed('dhcp', 'silent')\n",
    ],
)
def test_a_stage_used_as_a_stage_is_found(source: str) -> None:
    assert [value for _, value in stage_literals(source)] != [], source


@pytest.mark.parametrize(
    "source",
    [
        "table = f.table(('dhcp',), data.get('dhcp'))\n",  # a scenario file's [dhcp] table
        "def f(fields):\n    return fields['registrar'], fields.get('registrar')\n",
        "source = 'dns' if registrars else 'none'\n",  # a discovery source
        "NAMES = {'dhcp': 'DHCP', 'dns': 'DNS'}\n",
        "text = 'the dhcp server on the time host'\n",
        "def f(stage):\n    return stage == Stage.DHCP\n",
        "def f(record):\n    return record.kind == 'time'\n",
        "TEXT = {Stage.ROOTCHAIN: 'root chain download', Stage.REGISTRAR: 'registrar'}\n",
    ],
)
def test_a_word_that_only_looks_like_a_stage_is_left_alone(source: str) -> None:
    assert list(stage_literals(source)) == [], source
