"""The layers of the README's Architecture section, each importing only the ones above it.

The order is read from the README's table, so the README and the code cannot drift
apart: every package of `phonesim` sits in one row, packages in one row may import each
other, and an import of a package in a lower row fails, named with where it is written.
Imports are counted as `test_import_circles` counts them (its graph is the one used
here): at the top, inside a function and under `if TYPE_CHECKING:` alike, since a lazy
or type-only import is still a dependency.

The modules at the package root (`errors.py`, `profiles.py`, `udp_endpoint.py`,
`users_csv.py`, ...) are the base every layer may import. A root module that itself
imports from a layer stands in that layer, because whoever imports it reaches that layer
through it: `profiles.py` builds the core's `DeviceProfile`, so `codec` may not import it;
the package's `__init__` (its public API, which boots through `app`) and `__main__`
(which runs `cli`) stand at the top.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_import_circles import ROOT, ImportGraph, import_graph, write

README = ROOT / "README.md"


def layer_rows(readme: str) -> list[set[str]]:
    """The packages of each row of the Architecture section's table, top row first."""
    start = readme.index("\n## Architecture\n")
    section = readme[start : readme.index("\n## ", start + 1)]
    return [
        set(re.findall(r"`(\w+)`", line.split("|")[1]))
        for line in section.splitlines()
        if line.startswith("| `")
    ]


def breaches(root: Path, package: str, graph: ImportGraph, rows: list[set[str]]) -> list[str]:
    """Each import of a lower layer, and each package in no row, as a line to read."""
    row_of = {name: i for i, row in enumerate(rows) for name in row}
    packages = {path.name for path in (root / package).iterdir() if (path / "__init__.py").exists()}
    found = [
        f"{package}.{name} is in no row of the README's layer table"
        for name in sorted(packages - row_of.keys())
    ]
    root_rank: dict[str, int] = {}

    def rank(module: str) -> int:
        """The row of a module's layer; for a root module, the lowest row it reaches (-1: none)."""
        if layer := _layer_name(module, packages):
            return row_of.get(layer, -1)
        if module not in root_rank:
            root_rank[module] = -1  # a circle among root modules is test_import_circles' to find
            root_rank[module] = max(map(rank, graph.edges[module]), default=-1)
        return root_rank[module]

    def where(rank_: int) -> str:
        return " / ".join(f"`{name}`" for name in sorted(rows[rank_]))

    for module, imports in sorted(graph.edges.items()):
        layer = _layer_name(module, packages)
        if layer not in row_of:
            continue
        own = row_of[layer]
        lower = {imported: line for imported, line in imports.items() if rank(imported) > own}
        # `from pkg.app.network import x` also runs pkg/app/__init__.py: name the module only.
        named = [i for i in lower if not any(o.startswith(i + ".") for o in lower)]
        for imported in sorted(named, key=lambda i: (int(lower[i].rpartition(":")[2]), i)):
            through = "" if _layer_name(imported, packages) else " (a root module that imports it)"
            found.append(
                f"{lower[imported]}: {module} in {where(own)} imports {imported}, "
                f"in {where(rank(imported))}{through}, a layer below its own"
            )
    return found


def _layer_name(module: str, packages: set[str]) -> str | None:
    """The package under the root that holds `module`; None for a root module."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in packages else None


def test_no_module_imports_a_layer_below_its_own() -> None:
    rows = layer_rows(README.read_text(encoding="utf-8"))
    graph = import_graph(ROOT, "phonesim")
    assert sum(map(len, graph.edges.values())) > 500  # the walk did find the imports
    found = breaches(ROOT, "phonesim", graph, rows)
    assert not found, "imports against the README's layer order:\n" + "\n".join(found)


def test_the_readme_table_names_each_package_once_and_only_packages() -> None:
    rows = layer_rows(README.read_text(encoding="utf-8"))
    named = [name for row in rows for name in row]
    packages = {p.name for p in (ROOT / "phonesim").iterdir() if (p / "__init__.py").exists()}
    assert len(named) == len(set(named))
    assert set(named) == packages
    assert rows[0] == {"codec"} and rows[-1] == {"cli"}


def chains_into(graph: ImportGraph, source: str, target: str) -> list[str]:
    """For each module of package `source` that reaches package `target` through any
    modules (importing a module that imports the core imports the core), the shortest such
    chain, one import a line with where it is written."""

    def inside(module: str, package: str) -> bool:
        return module == package or module.startswith(package + ".")

    found = []
    for start in sorted(m for m in graph.edges if inside(m, source)):
        came_from, queue, reached = {start: ""}, [start], None
        while queue and reached is None:
            module = queue.pop(0)
            # Submodules before their package's __init__, so a chain names the module.
            for imported in sorted(graph.edges[module], reverse=True):
                if imported not in came_from:
                    came_from[imported] = module
                    if inside(imported, target):
                        reached = imported
                        break
                    queue.append(imported)
        steps = []
        while reached is not None and came_from[reached]:
            importer = came_from[reached]
            steps.append(f"{graph.edges[importer][reached]}: {importer} imports {reached}")
            reached = importer
        if steps:
            found.append("\n".join(reversed(steps)))
    return found


def test_the_lab_never_imports_the_core() -> None:
    # The table's `lab` row says so: the lab's servers judge what a phone sends with their
    # own reading of the bytes, so a lab that borrowed the phone's code would agree with
    # the phone's mistakes.
    graph = import_graph(ROOT, "phonesim")
    found = chains_into(graph, "phonesim.lab", "phonesim.core")
    assert not found, "the lab reaches the core:\n" + "\n\n".join(found)


# -- the rule itself, on small packages written for the purpose ------------------------

ROWS = [{"codec"}, {"core"}, {"fleet", "replay"}, {"app"}]


def breaches_in(tmp_path: Path, files: dict[str, str], rows: list[set[str]] = ROWS) -> list[str]:
    layers = {"pkg/__init__.py": ""} | {
        f"pkg/{name}/__init__.py": "" for row in rows for name in row
    }
    root = write(tmp_path, layers | files)
    return breaches(root, "pkg", import_graph(root, "pkg"), rows)


def test_an_import_of_a_lower_layer_is_named_with_its_line(tmp_path: Path) -> None:
    files = {
        "pkg/app/factory.py": "def make():\n    pass\n",
        "pkg/fleet/run.py": '"""A run."""\n\nfrom pkg.app.factory import make\n',
    }
    assert breaches_in(tmp_path, files) == [
        "pkg/fleet/run.py:3: pkg.fleet.run in `fleet` / `replay` imports pkg.app.factory, "
        "in `app`, a layer below its own"
    ]


def test_a_type_only_or_lazy_import_of_a_lower_layer_counts(tmp_path: Path) -> None:
    files = {
        "pkg/app/network.py": "",
        "pkg/core/phone.py": (
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from pkg.app.network import Network\n"
            "def f():\n    import pkg.fleet\n"
        ),
    }
    found = breaches_in(tmp_path, files)
    assert [line.split(":")[1] for line in found] == ["3", "5"]


def test_imports_upward_and_within_a_row_are_allowed(tmp_path: Path) -> None:
    files = {
        "pkg/errors.py": "",
        "pkg/codec/sip.py": "from pkg.errors import Bad\n",
        "pkg/core/phone.py": "from pkg.codec.sip import parse\nfrom pkg import errors\n",
        "pkg/fleet/run.py": "from pkg.replay import clock\nfrom pkg.core.phone import Phone\n",
        "pkg/replay/clock.py": "import pkg.fleet\n",
    }
    assert breaches_in(tmp_path, files) == []


def test_a_root_module_stands_in_the_lowest_layer_it_reaches(tmp_path: Path) -> None:
    files = {
        "pkg/errors.py": "",
        "pkg/profile_model.py": "from pkg.core.profile import Profile\nimport pkg.errors\n",
        "pkg/core/profile.py": "",
        "pkg/codec/sip.py": "import pkg.errors\nfrom pkg.profile_model import load\n",
        "pkg/fleet/run.py": "from pkg.profile_model import load\n",
    }
    assert breaches_in(tmp_path, files) == [
        "pkg/codec/sip.py:2: pkg.codec.sip in `codec` imports pkg.profile_model, "
        "in `core` (a root module that imports it), a layer below its own"
    ]


def test_a_package_in_no_row_is_named(tmp_path: Path) -> None:
    files = {"pkg/dhcp_config/__init__.py": "from pkg.codec import x\n"}
    assert breaches_in(tmp_path, files) == [
        "pkg.dhcp_config is in no row of the README's layer table"
    ]


def test_the_table_is_read_from_the_architecture_section() -> None:
    readme = (
        "# x\n\n| `not` | a layer |\n\n## Architecture\n\n| layer | what |\n| --- | --- |\n"
        "| `codec` | bytes |\n| `diagnosis`, `report` | the trace read back, `timeline` |\n"
        "\n## Layout\n\n| `cli` | not a layer either |\n"
    )
    assert layer_rows(readme) == [{"codec"}, {"diagnosis", "report"}]


def test_a_chain_into_the_core_through_another_module_is_named(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/udp.py": "from pkg.core.phone import Phone\n",
        "pkg/core/__init__.py": "",
        "pkg/core/phone.py": "",
        "pkg/lab/__init__.py": "",
        "pkg/lab/dns.py": "import pkg.errors\n\nfrom pkg.udp import Endpoint\n",
        "pkg/errors.py": "",
    }
    graph = import_graph(write(tmp_path, files), "pkg")
    assert chains_into(graph, "pkg.lab", "pkg.core") == [
        "pkg/lab/dns.py:3: pkg.lab.dns imports pkg.udp\n"
        "pkg/udp.py:1: pkg.udp imports pkg.core.phone"
    ]
