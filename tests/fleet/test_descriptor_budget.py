"""A fleet raises its open-file limit within the hard one, or refuses before any phone."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

FLEET = (sys.executable, "-m", "phonesim", "fleet", "--lab")


def _limited(soft: int, hard: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    return apply


def _run(code: str, soft: int, hard: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        preexec_fn=_limited(soft, hard),
        timeout=60,
        check=False,
    )


def test_the_soft_limit_is_raised_within_the_hard_one() -> None:
    done = _run(
        "import resource\n"
        "from phonesim.fleet.descriptor_budget import secure_descriptors\n"
        "budget = secure_descriptors(900, 'a fleet')\n"
        "print(budget.soft_before, budget.soft, budget.hard, budget.raised,\n"
        "      resource.getrlimit(resource.RLIMIT_NOFILE)[0])\n",
        soft=256,
        hard=2048,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["256", "900", "2048", "True", "900"]


def test_a_limit_already_high_enough_is_left_alone() -> None:
    done = _run(
        "from phonesim.fleet.descriptor_budget import secure_descriptors\n"
        "budget = secure_descriptors(100, 'a fleet')\n"
        "print(budget.soft, budget.raised)\n",
        soft=256,
        hard=2048,
    )
    assert done.stdout.split() == ["256", "False"]


def test_a_fleet_beyond_the_hard_limit_is_refused_before_anything_starts(tmp_path: Path) -> None:
    report = tmp_path / "report"
    done = subprocess.run(
        [*FLEET, "--phones", "5000", "--concurrency", "5000", "--report", str(report)],
        capture_output=True,
        text=True,
        preexec_fn=_limited(256, 1024),
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "needs about 10,064 open files" in done.stderr
    assert "at most 1,024 (hard limit; soft 256)" in done.stderr
    assert "ulimit -Hn 10064" in done.stderr
    assert not report.exists()


def test_a_fleet_that_needs_more_than_the_soft_limit_runs_and_says_so(tmp_path: Path) -> None:
    report = tmp_path / "report"
    done = subprocess.run(
        [
            *FLEET,
            "--phones",
            "200",
            "--rate",
            "max",
            "--stage",
            "dhcp",
            "--json",
            "--report",
            str(report),
        ],
        capture_output=True,
        text=True,
        preexec_fn=_limited(256, 4096),
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["config"]["open_files"] == {
        "needed": 464,
        "soft_before": 256,
        "soft": 464,
        "hard": 4096,
    }
    assert summary["succeeded"] == 200


def test_held_phones_each_keep_a_descriptor_beside_those_booting() -> None:
    from phonesim.fleet.descriptor_budget import descriptors_needed

    booting = descriptors_needed(booting=200)
    assert descriptors_needed(booting=200, held=10_000) == booting + 10_000


def test_a_held_fleet_beyond_the_hard_limit_is_refused_naming_the_hold(tmp_path: Path) -> None:
    """200 phones booting at once fit in 1,024; the same fleet held does not."""
    report = tmp_path / "report"
    load = ("--phones", "600", "--concurrency", "200", "--report", str(report))
    held = subprocess.run(
        [*FLEET, *load, "--hold", "10m"],
        capture_output=True,
        text=True,
        preexec_fn=_limited(256, 1024),
        timeout=120,
        check=False,
    )
    assert held.returncode == 2
    assert "Traceback" not in held.stderr
    assert "a fleet of 600 phones, 200 at once, every one held registered," in held.stderr
    assert "needs about 1,064 open files" in held.stderr  # 64 + 2 × 200 + 600
    assert not report.exists()
