"""No import circle in the package: each definition lives below everything that uses it.

A circle that is lazy or type-only today becomes a real one the day someone hoists the
import or drops the `TYPE_CHECKING` guard, so the graph counts every import statement:

- at the top of a module, inside a function, and under `if TYPE_CHECKING:` alike;
- `from pkg import name` is an edge to the module `pkg.name` when there is one (a
  submodule imported by name), else to `pkg` itself (a name its `__init__` defines or
  re-exports); relative imports (`from . import x`, `from ..codec import y`) are resolved
  against the importer's package;
- importing `a.b.c` also runs the `__init__` of `a` and of `a.b`, so those are edges too,
  except to the packages that enclose the importer: a module runs only once its own
  packages have begun, so a sibling imported by its full path
  (`from phonesim.diagnosis.finding import Finding` in `phonesim/diagnosis/diagnose.py`)
  does not depend on `phonesim/diagnosis/__init__.py` a second time. Hence an `__init__`
  that imports its submodules to re-export their names is not in a circle with them,
  while a submodule that takes a name from its own package (`from phonesim.diagnosis
  import Finding`) is, and rightly: that name may not be defined yet when it runs.

Imports of other distributions, and `importlib.import_module` with a computed name (the
command line's subcommands), are not in the graph.
"""

from __future__ import annotations

import ast
import graphlib
import itertools
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class ImportGraph:
    edges: dict[str, dict[str, str]] = field(default_factory=dict)
    """Each module's dependencies, each with where the import that makes it is written."""

    def circles(self) -> list[list[str]]:
        """One circle for each, found by the standard library's topological sort: the edge
        that closes a circle is set aside and the sort run again, until none is left."""
        graph = {module: set(deps) for module, deps in self.edges.items()}
        found = []
        while True:
            try:
                graphlib.TopologicalSorter(graph).prepare()
            except graphlib.CycleError as error:
                cycle = error.args[1]
                found.append(cycle)
                graph[cycle[-1]].discard(cycle[-2])
            else:
                return found

    def describe(self, cycle: list[str]) -> str:
        # CycleError lists a cycle so that each node depends on the one before it.
        return "\n".join(
            f"{importer} imports {imported} ({self.edges[importer][imported]})"
            for imported, importer in itertools.pairwise(cycle)
        )


def import_graph(root: Path, package: str) -> ImportGraph:
    modules: dict[str, Path] = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        modules[".".join(parts).removesuffix(".__init__")] = path
    graph = ImportGraph({name: {} for name in modules})
    for name, path in modules.items():
        own_package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        enclosing = _packages_of(own_package) | {own_package}
        where = path.relative_to(root)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            for target in _targets(node, own_package, modules):
                run = {target} | (_packages_of(target) - enclosing)
                for module in sorted(run & modules.keys() - {name}):
                    graph.edges[name].setdefault(module, f"{where}:{node.lineno}")
    return graph


def _packages_of(module: str) -> set[str]:
    """The packages whose `__init__` importing `module` runs first: `a`, `a.b` for `a.b.c`."""
    parts = module.split(".")
    return {".".join(parts[:n]) for n in range(1, len(parts))}


def _targets(node: ast.AST, own_package: str, modules: dict[str, Path]) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        base = own_package.split(".")[: len(own_package.split(".")) - (node.level - 1)]
        source = ".".join([*base, *([node.module] if node.module else [])])
    else:
        source = node.module or ""
    return [
        f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source
        for alias in node.names
    ]


def test_the_package_has_no_import_circle() -> None:
    graph = import_graph(ROOT, "phonesim")
    assert sum(map(len, graph.edges.values())) > 500  # the walk did find the imports
    circles = graph.circles()
    assert not circles, "import circles:\n" + "\n\n".join(map(graph.describe, circles))


# -- the graph itself, on small packages written for the purpose ------------------------


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def circles_in(tmp_path: Path, files: dict[str, str]) -> list[set[str]]:
    return [set(cycle) for cycle in import_graph(write(tmp_path, files), "pkg").circles()]


def test_a_type_only_circle_is_a_circle(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/errors.py": (
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from pkg.codec import Summary\n"
        ),
        "pkg/codec.py": "from pkg.errors import Bad\n",
    }
    assert circles_in(tmp_path, files) == [{"pkg.errors", "pkg.codec"}]


def test_a_lazy_and_a_relative_import_close_a_circle(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/lab/__init__.py": "",
        "pkg/lab/plan.py": "def layout():\n    from . import embedded\n",
        "pkg/lab/embedded.py": "from .plan import Plan\n",
    }
    assert circles_in(tmp_path, files) == [{"pkg.lab.plan", "pkg.lab.embedded"}]


def test_an_init_re_exporting_siblings_that_import_each_other_by_full_path_is_no_circle(
    tmp_path: Path,
) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/rules/__init__.py": "from pkg.rules import dns, time\nfrom pkg.rules.dns import rule\n",
        "pkg/rules/dns.py": "from pkg.rules.finding import Finding\n",
        "pkg/rules/time.py": "from pkg.rules.finding import Finding\nfrom pkg.rules import dns\n",
        "pkg/rules/finding.py": "",
    }
    assert circles_in(tmp_path, files) == []


def test_a_module_taking_a_name_from_its_own_package_init_is_in_a_circle(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/rules/__init__.py": "from pkg.rules.dns import rule\nFinding = object\n",
        "pkg/rules/dns.py": "from pkg.rules import Finding\n",
    }
    assert circles_in(tmp_path, files) == [{"pkg.rules", "pkg.rules.dns"}]


def test_a_circle_through_the_init_of_the_package_imported_from(tmp_path: Path) -> None:
    # Importing pkg.b.leaf from outside pkg.b runs pkg/b/__init__.py, which imports a.
    files = {
        "pkg/__init__.py": "",
        "pkg/a.py": "from pkg.b.leaf import x\n",
        "pkg/b/__init__.py": "from pkg.b.user import y\n",
        "pkg/b/user.py": "import pkg.a\n",
        "pkg/b/leaf.py": "",
    }
    assert circles_in(tmp_path, files) == [{"pkg.a", "pkg.b", "pkg.b.user"}]


def test_every_circle_is_named_with_where_its_imports_are(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/a.py": "import pkg.b\n",
        "pkg/b.py": "import pkg.a\n",
        "pkg/c.py": "def f():\n    import pkg.d\n",
        "pkg/d.py": "from pkg import c\n",
    }
    graph = import_graph(write(tmp_path, files), "pkg")
    circles = graph.circles()
    assert sorted(map(set, circles), key=sorted) == [{"pkg.a", "pkg.b"}, {"pkg.c", "pkg.d"}]
    text = "\n".join(map(graph.describe, circles))
    assert "pkg/c.py:2" in text and "pkg/d.py:1" in text
