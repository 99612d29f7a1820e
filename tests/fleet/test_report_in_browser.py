"""report.html as a load tester opens it: Chromium, offline, shows every chart with
something drawn in it (a chart that renders as an empty frame reads as "nothing
happened", which is worse than no chart)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
from PIL import Image

from phonesim.cli import main
from tests.netns import require_tools

SPINE_WIDTH = 200
"""Pixels: an axes frame's top or bottom edge, longer than any run of dark text."""
SLACK = 8
"""Pixels two runs of one frame may differ by (tick marks extend a spine's run)."""
FRAME_HEIGHT = 50
"""Pixels: the shortest chart drawn."""
DRAWN = 100
"""Coloured pixels inside a frame for it to count as drawn."""


def test_chromium_shows_every_chart_of_a_fleet_drawn(capsys, tmp_path: Path) -> None:
    require_tools("chromium")
    report = tmp_path / "fleet"
    code = main(
        [
            *("fleet", "--lab", "--phones", "30", "--rate", "60", "--key-pool", "2"),
            *("--json", "--report", str(report)),
        ]
    )
    summary = json.loads(capsys.readouterr().out)
    assert code == 0 and summary["succeeded"] == 30
    shot = tmp_path / "report.png"
    _chromium(tmp_path, "--window-size=1300,12000", f"--screenshot={shot}", report / "report.html")
    pixels = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    assert (pixels[-200:] == 255).all(), "the page is longer than the screenshot"

    frames = _plot_frames(pixels)
    steps = summary["steps"]
    timed = [
        s for s, step in steps.items() if step["latency_seconds"] or step["failed_latency_seconds"]
    ]
    over_time = [s for s in summary["latency_seconds"] if s != "boot"]
    # arrivals, boots, phones in flight, boot latency over time, and the loop's lateness when
    # it was measured; one frame per step over time; one histogram per timed step.
    wide = 4 + (1 if summary["loop_lag"]["ticks"] else 0)
    assert len(frames) == wide + len(over_time) + len(timed), frames
    coloured = pixels.max(axis=2) - pixels.min(axis=2) > 60
    for left, top, right, bottom in frames:
        inside = coloured[top + 2 : bottom - 1, left + 2 : right - 1]
        assert inside.sum() >= DRAWN, f"an empty chart at x={left}, y={top}"


def _plot_frames(pixels: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Every axes frame in a screenshot, as (left, top, right, bottom): matplotlib draws
    each chart's frame in black, and nothing else on the page is a long black line. A
    frame is found by its top edge and the left edge going down from it (its bottom edge
    can be hidden under bars or a line at zero)."""
    # Black or dark grey (an antialiased edge), never a dark colour such as a plotted line.
    dark = (pixels.max(axis=2) < 140) & (pixels.max(axis=2) - pixels.min(axis=2) < 30)
    edges: list[tuple[int, int, int]] = []
    for y in np.flatnonzero(dark.sum(axis=1) >= SPINE_WIDTH):
        ends = np.flatnonzero(np.diff(np.concatenate(([0], dark[y].astype(int), [0]))))
        for x0, x1 in zip(ends[::2], ends[1::2], strict=True):
            # A frame's edge is antialiased over two rows: one edge, counted once.
            if x1 - x0 >= SPINE_WIDTH and not any(
                y - ey <= 2 and _same(x0, x1, ex0, ex1) for ey, ex0, ex1 in edges[-4:]
            ):
                edges.append((int(y), int(x0), int(x1)))
    frames = []
    for y, x0, x1 in edges:
        height = max(_down(dark[:, x], y) for x in range(x0, x0 + SLACK + 1))
        # Else a bottom edge (its left edge goes up), or a frame's top again (a line
        # drawn across it splits the edge's second row in two).
        if height >= FRAME_HEIGHT and not any(
            y - top <= 2 and abs(x0 - left) <= SLACK for left, top, _, _ in frames[-4:]
        ):
            frames.append((x0, y, x1, y + height))
    return frames


def _down(column: np.ndarray, y: int) -> int:
    """How far a dark line runs down from `y`, over gaps of a few pixels (a line drawn
    across it)."""
    end = gap = 0
    for offset, is_dark in enumerate(column[y:]):
        if is_dark:
            end, gap = offset, 0
        elif (gap := gap + 1) > 4:
            break
    return end


def _same(x0: int, x1: int, other0: int, other1: int) -> bool:
    return abs(x0 - other0) <= SLACK and abs(x1 - other1) <= SLACK


def _chromium(tmp_path: Path, *args: str | Path) -> None:
    page = Path(args[-1]).resolve().as_uri()
    subprocess.run(
        [
            "chromium",
            "--headless=new",
            "--no-sandbox",  # the tests run as root, where Chromium's sandbox will not start
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            *(str(a) for a in args[:-1]),
            page,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
