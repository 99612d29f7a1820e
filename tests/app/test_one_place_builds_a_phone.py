"""A phone is built in one place (core/phone_factory); the command line builds none."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[2] / "phonesim"


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def calls_phone(tree: ast.AST) -> list[int]:
    """Lines where `Phone(...)` (or `something.Phone(...)`) is called."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == "Phone")
            or (isinstance(node.func, ast.Attribute) and node.func.attr == "Phone")
        )
    ]


def imported(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_only_the_phone_factory_constructs_a_phone() -> None:
    builders = {
        str(path.relative_to(PACKAGE.parent)): lines
        for path in modules()
        if (lines := calls_phone(ast.parse(path.read_text("utf-8"))))
    }
    assert list(builders) == ["phonesim/core/phone_factory.py"]
    assert len(builders["phonesim/core/phone_factory.py"]) == 1


def test_the_command_line_builds_no_phone() -> None:
    reaching = {
        str(path.relative_to(PACKAGE.parent)): sorted(
            name
            for name in imported(ast.parse(path.read_text("utf-8")))
            if name.startswith("phonesim.core.phone")  # the phone and its factory
        )
        for path in sorted((PACKAGE / "cli").rglob("*.py"))
    }
    assert {path: names for path, names in reaching.items() if names} == {}


def test_the_scan_sees_a_phone_being_built() -> None:
    tree = ast.parse("from phonesim.core.phone import Phone\nphone = Phone(p, i, n, rng=r)\n")
    assert calls_phone(tree) == [2]
    assert "phonesim.core.phone.Phone" in imported(tree)
