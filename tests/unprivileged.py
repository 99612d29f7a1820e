"""Running `phonesim` as `nobody`, where what a user may not do is the point of a test.

Privileges are dropped with `setpriv`, which needs root: without it the test
is skipped with the reason, and in CI (CI=true) that is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
AS_NOBODY = ("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups")


def require_root() -> None:
    reason = None
    if os.geteuid() != 0:
        reason = "needs root to run phonesim as another user"
    elif shutil.which("setpriv") is None:
        reason = "needs setpriv installed"
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"test cannot run in CI: {reason}")
    pytest.skip(reason)


@contextmanager
def shared_folder() -> Iterator[Path]:
    """A folder `nobody` may write into (pytest's tmp_path is root's alone), removed after."""
    folder = Path(tempfile.mkdtemp(prefix="phonesim-nobody-"))
    folder.chmod(0o777)
    try:
        yield folder
    finally:
        shutil.rmtree(folder)


def own_home(folder: Path) -> dict[str, str]:
    """An environment whose HOME (and XDG folders) are the test's, not the caller's."""
    home = folder / "home"
    home.mkdir(exist_ok=True)
    home.chmod(0o777)
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("XDG_", "PHONESIM_"))
    }
    env["HOME"] = str(home)
    return env


def phonesim(
    *argv: str,
    env: dict[str, str],
    prefix: tuple[str, ...] = AS_NOBODY,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "phonesim", *argv],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=timeout,
    )
