"""Every Python example in README.md runs as written, in a fresh interpreter as a user's would.

A line that is an expression followed by a comment holding a Python literal
(`diagnose(report.traces).top.id  # "webticket.pin_rejected"`) is a claim:
it is checked, not only run.
"""

from __future__ import annotations

import ast
import io
import re
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def readme_examples() -> list[str]:
    return PYTHON_BLOCK.findall((REPO / "README.md").read_text(encoding="utf-8"))


def claimed_values(source: str) -> dict[int, object]:
    """Line number -> the literal in that line's trailing comment, where it is one."""
    claims: dict[int, object] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.COMMENT:
            continue
        try:
            claims[token.start[0]] = ast.literal_eval(token.string[1:].strip())
        except (ValueError, SyntaxError):
            continue  # a comment in words
    return claims


def with_claims_checked(source: str) -> str:
    tree = ast.parse(source)
    claims = claimed_values(source)
    body: list[ast.stmt] = []
    for statement in tree.body:
        line = statement.end_lineno
        if isinstance(statement, ast.Expr) and line in claims:
            claim = ast.Constant(claims[line])
            check = ast.Compare(statement.value, [ast.Eq()], [claim])
            message = ast.Constant(f"README line `{ast.unparse(statement)}` is not {claim.value!r}")
            body.append(ast.Assert(check, message))
        else:
            body.append(statement)
    return ast.unparse(ast.fix_missing_locations(ast.Module(body, type_ignores=[])))


def test_the_readme_has_python_examples() -> None:
    examples = readme_examples()
    assert examples
    assert any(claimed_values(example) for example in examples)


@pytest.mark.parametrize("number", range(len(readme_examples())))
def test_a_readme_python_example_runs(number: int, tmp_path: Path) -> None:
    source = with_claims_checked(readme_examples()[number])
    done = subprocess.run(
        [sys.executable, "-c", source],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # whatever the example writes lands here
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
