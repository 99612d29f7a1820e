"""A probe runs for months: its run folders are kept to the last few, or the disk fills."""

from __future__ import annotations

import shutil
from pathlib import Path

RESULT = "result.json"


def prune_runs(runs_dir: Path, keep: int) -> list[Path]:
    """Remove all but the newest `keep` run folders (by when each ended) of
    `runs_dir`; anything that is not a finished run folder is left alone."""
    if not runs_dir.is_dir():
        return []
    runs = sorted(
        (path for path in runs_dir.iterdir() if (path / RESULT).is_file()),
        key=lambda path: (path / RESULT).stat().st_mtime,
    )
    removed = runs[: max(0, len(runs) - keep)]
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed


__all__ = ["prune_runs"]
