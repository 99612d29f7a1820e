"""Importing Locust monkey-patches the whole process with gevent: only the bridge may."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
IMPORTS_LOCUST = re.compile(r"^\s*(?:import|from)\s+(?:locust|gevent)\b", re.MULTILINE)


def test_only_the_bridge_imports_locust_or_gevent() -> None:
    importing = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "phonesim").rglob("*.py")
        if IMPORTS_LOCUST.search(path.read_text("utf-8"))
    )
    assert importing == ["phonesim/locust/bridge.py"]


def test_the_fleet_command_runs_without_patching_the_process() -> None:
    """`phonesim fleet --locust` itself, and the engine, stay unpatched."""
    probe = (
        "import sys; from phonesim.cli import main; import phonesim.locust.launch, "
        "phonesim.locust.merged_fleet, phonesim.fleet.fleet_run; "
        "print('gevent' in sys.modules, 'locust' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]
