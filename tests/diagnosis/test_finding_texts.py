"""Every finding's words are data (`diagnosis/findings.toml`, `replay/capture_findings.toml`),
and every rule fills them: read as source, each call that makes a finding from a text passes
exactly the values its placeholders name, and each choice it picks is one the text offers
(and each choice the text offers is one it can pick). A placeholder no rule fills fails
here, not in a user's run."""

from __future__ import annotations

import ast
import importlib
import inspect
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from phonesim.diagnosis.finding_texts import FindingText, FindingTextError, FindingTexts
from phonesim.diagnosis.rules.evidence import TEXTS as DIAGNOSIS_TEXTS
from phonesim.replay.capture_gaps import TEXTS as CAPTURE_TEXTS

ROOT = Path(__file__).resolve().parents[2]
MAKERS = sorted(
    [
        *(ROOT / "phonesim" / "diagnosis" / "rules").glob("*.py"),
        ROOT / "phonesim" / "diagnosis" / "diagnose.py",
        ROOT / "phonesim" / "replay" / "capture_gaps.py",
    ]
)
NOT_VALUES = {"severity", "evidence", "priority", "phone_screen", "symptom"}
"""Keywords of `FindingText.finding` that are the finding's, not its text's."""


def module_of(path: Path) -> ModuleType:
    dotted = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    return importlib.import_module(dotted)


@dataclass
class TextCall:
    path: Path
    line: int
    texts: list[FindingText]
    values: dict[str, set[Any] | None] = field(default_factory=dict)
    """Each keyword, with the constant values it can take when the source shows them."""

    def __str__(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


class Source:
    """One module's source, read for the values a call passes."""

    def __init__(self, module: ModuleType) -> None:
        self.module = module
        self.tree = ast.parse(inspect.getsource(module))
        self.functions = {
            node.name: node
            for node in ast.walk(self.tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        }

    def evaluate(self, node: ast.expr) -> Any:
        return eval(compile(ast.Expression(node), "<maker>", "eval"), dict(vars(self.module)))

    def constants(self, node: ast.expr, function: ast.AST | None) -> set[Any] | None:
        """The constant values `node` can take, or None when the source does not show them."""
        if isinstance(node, ast.Constant):
            return {node.value}
        if isinstance(node, ast.IfExp):
            a, b = self.constants(node.body, function), self.constants(node.orelse, function)
            return None if a is None or b is None else a | b
        if isinstance(node, ast.Name):
            assigned = self._assigned(node.id, function)
            if assigned is not None:
                return self.constants(assigned, function)
            value = vars(self.module).get(node.id)
            return {value} if isinstance(value, str) else None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            called = vars(self.module).get(node.func.id)
            if inspect.isfunction(called):
                source = Source(inspect.getmodule(called))  # type: ignore[arg-type]
                definition = source.functions[called.__name__]
                returns = [r.value for r in ast.walk(definition) if isinstance(r, ast.Return)]
                found: set[Any] = set()
                for value in returns:
                    part = source.constants(value, definition) if value is not None else None
                    if part is None:
                        return None
                    found |= part
                return found
        return None

    @staticmethod
    def _assigned(name: str, function: ast.AST | None) -> ast.expr | None:
        if function is None:
            return None
        found = None
        for node in ast.walk(function):
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == name for t in node.targets
            ):
                found = node.value
        return found

    def texts(self, node: ast.expr, function: ast.AST | None) -> list[FindingText]:
        """The finding text(s) a call's receiver is."""
        try:
            value = self.evaluate(node)
        except Exception:
            value = None
        if isinstance(value, FindingText):
            return [value]
        if isinstance(node, ast.Name):
            assigned = self._assigned(node.id, function)
            if isinstance(assigned, ast.IfExp):
                return self.texts(assigned.body, function) + self.texts(assigned.orelse, function)
        if isinstance(node, ast.Subscript):
            table = self.evaluate(node.value)
            if isinstance(table, Mapping):
                return [t for t in table.values() if isinstance(t, FindingText)]
        return []

    def spread(self, node: ast.expr) -> Iterator[tuple[str, set[Any] | None]]:
        """The keys (and constant values) of a `**helper(...)` a call spreads."""
        name = (
            getattr(node.func, "id", getattr(node.func, "attr", ""))
            if isinstance(node, ast.Call)
            else ""
        )
        definition = self.functions.get(name)
        if definition is None:
            raise AssertionError(f"cannot read the keys of **{ast.unparse(node)}")
        for ret in ast.walk(definition):
            if isinstance(ret, ast.Return):
                if not isinstance(ret.value, ast.Dict):
                    raise AssertionError(f"{name} does not return a dict display")
                for key, value in zip(ret.value.keys, ret.value.values, strict=True):
                    assert isinstance(key, ast.Constant), ast.unparse(ret.value)
                    yield key.value, self.constants(value, definition)

    def calls(self, path: Path) -> Iterator[TextCall]:
        for function in [self.tree, *self.functions.values()]:
            body = function.body if isinstance(function, ast.Module) else [function]
            for node in (n for part in body for n in ast.walk(part)):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("finding", "rewrite")
                ):
                    continue
                owner = None if isinstance(function, ast.Module) else function
                if isinstance(function, ast.Module) and self._inside_function(node):
                    continue
                texts = self.texts(node.func.value, owner)
                if not texts:
                    continue
                call = TextCall(path, node.lineno, texts)
                for keyword in node.keywords:
                    if keyword.arg is None:
                        call.values.update(self.spread(keyword.value))
                    elif keyword.arg not in NOT_VALUES:
                        call.values[keyword.arg] = self.constants(keyword.value, owner)
                yield call

    def _inside_function(self, target: ast.AST) -> bool:
        return any(target in ast.walk(f) for f in self.functions.values())


def text_calls() -> list[TextCall]:
    found: list[TextCall] = []
    for path in MAKERS:
        found += Source(module_of(path)).calls(path)
    return found


CALLS = text_calls()


def test_the_texts_are_made_into_findings_in_every_maker() -> None:
    assert len(CALLS) >= 30
    assert {call.path for call in CALLS} == set(MAKERS) - {
        ROOT / "phonesim" / "diagnosis" / "rules" / "__init__.py",
        ROOT / "phonesim" / "diagnosis" / "rules" / "evidence.py",
    }


@pytest.mark.parametrize("call", CALLS, ids=str)
def test_a_call_passes_every_value_its_text_names_and_no_other(call: TextCall) -> None:
    for text in call.texts:
        missing = sorted(text.needs - set(call.values))
        unused = sorted(set(call.values) - text.needs)
        assert (missing, unused) == ([], []), f"{text.id}: missing {missing}, unused {unused}"


@pytest.mark.parametrize("call", CALLS, ids=str)
def test_a_call_picks_only_choices_its_text_offers_and_can_pick_each(call: TextCall) -> None:
    for text in call.texts:
        for name, options in text.choices().items():
            picked = call.values.get(name)
            assert picked is not None, f"{text.id}: the source does not show what {name} is"
            assert picked == options, f"{text.id}: {name} picks {picked}, offers {set(options)}"


@pytest.mark.parametrize(
    "texts", [DIAGNOSIS_TEXTS, CAPTURE_TEXTS], ids=["findings.toml", "capture_findings.toml"]
)
def test_every_text_is_made_into_a_finding(texts: FindingTexts) -> None:
    used = {text.id for call in CALLS for text in call.texts if text in texts.values()}
    assert used == set(texts)


# -- filling ----------------------------------------------------------------------------------


def table(**findings: Any) -> FindingTexts:
    shared = findings.pop("shared", {})
    return FindingTexts({"shared": shared, "finding": findings}, "test")


def test_a_choice_picks_its_text_and_fills_it_and_an_empty_fix_is_left_out() -> None:
    texts = table(
        shared={"hint": "see {page}", "tail": {"some": " ({names}).", "none": "."}},
        **{
            "a.b": {
                "title": "Found {count:.1f}",
                "explanation": "It had {what}{tail}",
                "remediation": ["{extra}", "{hint}", "literal {{braces}}"],
                "parts": {"extra": {"yes": "Do {what}", "no": ""}},
            }
        },
    )
    text = texts["a.b"]
    assert text.needs == {"count", "what", "tail", "names", "extra", "page"}
    finding = text.finding(
        severity="info",
        evidence={},
        priority=1,
        count=2,
        what="x",
        tail="some",
        names="p, q",
        extra="no",
        page="p.html",
    )
    assert (finding.title, finding.explanation) == ("Found 2.0", "It had x (p, q).")
    assert finding.remediation == ("see p.html", "literal {braces}")


def test_a_value_not_passed_or_a_choice_not_offered_is_an_error() -> None:
    text = table(
        **{
            "a.b": {
                "title": "{x}",
                "explanation": "{c}",
                "remediation": [],
                "parts": {"c": {"k": ""}},
            }
        }
    )["a.b"]
    with pytest.raises(FindingTextError, match=r"no value for \{x\}"):
        text.finding(severity="info", evidence={}, priority=1, c="k")
    with pytest.raises(FindingTextError, match="c='z' is not one of"):
        text.finding(severity="info", evidence={}, priority=1, x=1, c="z")


def test_a_text_with_unknown_keys_or_an_unplain_placeholder_is_refused() -> None:
    with pytest.raises(FindingTextError, match="unknown keys"):
        table(**{"a.b": {"title": "t", "explain": "e"}})
    with pytest.raises(FindingTextError, match="not a plain name"):
        _ = table(**{"a.b": {"title": "{x.y}", "explanation": "", "remediation": []}})["a.b"].needs


def test_a_rewrite_replaces_only_the_parts_its_text_gives() -> None:
    texts = table(**{"a.b": {"remediation": ["Look at {where}."]}})
    base = table(**{"a.b": {"title": "T", "explanation": "E", "remediation": ["R"]}})["a.b"]
    finding = base.finding(severity="error", evidence={"k": 1}, priority=3)
    rewritten = texts["a.b"].rewrite(finding, where="the timeline")
    assert (rewritten.title, rewritten.explanation, rewritten.evidence) == ("T", "E", {"k": 1})
    assert rewritten.remediation == ("Look at the timeline.",)
