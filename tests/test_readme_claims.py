"""What the README says of outputs that tests elsewhere do not print: the device log's
threads and the lab CA's name, as the code has them."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime
from pathlib import Path

from phonesim.lab.certificate_authority import LabCertificateAuthority
from phonesim.report.device_log import THREADS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_the_readme_lists_every_device_log_thread() -> None:
    section = README[README.index("### The device log format") : README.index("### Exit codes")]
    listed = {int(hexa, 16) for hexa in re.findall(r"`0x([0-9A-F]{8})`", section)}
    assert listed == set(THREADS.values())


def test_the_readme_names_the_lab_ca_as_a_boot_prints_it() -> None:
    name = LabCertificateAuthority.create(now=datetime.now(UTC)).name
    assert f"issuer {name}," in README


DEVICE_RULE = re.compile(
    r"^\| (?P<row>\d+) \| [^|]+ \| [^|]+ \| `(?P<path>tests/[\w/]+\.py)::(?P<name>test_\w+)` \|$",
    re.M,
)


def test_every_device_rule_names_a_test_that_exists_and_says_its_row() -> None:
    section = README[README.index("### Device rules") : README.index("## On a real network")]
    rows = {int(m["row"]): (m["path"], m["name"]) for m in DEVICE_RULE.finditer(section)}
    assert sorted(rows) == [*range(1, 6), *range(26, 41)]
    root = Path(__file__).resolve().parents[1]
    for row, (path, name) in rows.items():
        tree = ast.parse((root / path).read_text(encoding="utf-8"))
        tests = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
        assert name in tests, f"row {row}: {path} has no {name}"
        docstring = ast.get_docstring(tests[name]) or ""
        assert f"Fidelity row {row}" in docstring, f"row {row}: {name} does not name its row"
