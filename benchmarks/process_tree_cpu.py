"""CPU seconds of every process under one command, over a window of wall time (Linux).

The Locust relay's cost is mostly what an in-memory replay of its records does not
see (waking on the pipe, gevent's loop, Locust's own messages): it is measured in
place, by sampling /proc for the command's whole process tree, each process's CPU
read at the window's ends (interpolated between samples).
"""

from __future__ import annotations

import itertools
import os
import subprocess
import threading
import time
from dataclasses import dataclass, field

TICK = os.sysconf("SC_CLK_TCK")
INTERVAL = 0.05


@dataclass
class Sampled:
    pid: int
    parent: int
    command: str
    points: list[tuple[float, float]] = field(default_factory=list)
    """(wall time, CPU seconds) at each sample."""

    def cpu_at(self, at: float) -> float:
        """CPU seconds used by wall time `at`, interpolated between samples (0 before
        the first, the last sample's after it)."""
        points = self.points
        if not points or at <= points[0][0]:
            return 0.0
        for (t0, c0), (t1, c1) in itertools.pairwise(points):
            if t0 <= at < t1:
                return c0 + (c1 - c0) * (at - t0) / (t1 - t0)
        return points[-1][1]

    def cpu_between(self, start: float, end: float) -> float:
        return self.cpu_at(end) - self.cpu_at(start)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(c) for c in handle.read().split()]
    except OSError:
        pass
    return found


def run_sampled(command: list[str], timeout: float) -> tuple[int, dict[int, Sampled]]:
    """Run `command` to its end; its exit code and every process seen under it."""
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen: dict[int, Sampled] = {}

    def sample() -> None:
        while child.poll() is None:
            stack = [child.pid]
            while stack:
                pid = stack.pop()
                stack += _children(pid)
                try:
                    with open(f"/proc/{pid}/stat") as handle:
                        stat = handle.read().rsplit(")", 1)[1].split()
                    if pid not in seen:
                        with open(f"/proc/{pid}/cmdline") as handle:
                            text = handle.read().replace("\0", " ")
                        seen[pid] = Sampled(pid, int(stat[1]), text)
                except OSError:
                    continue
                cpu = (int(stat[11]) + int(stat[12])) / TICK
                seen[pid].points.append((time.time(), cpu))
            time.sleep(INTERVAL)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = child.wait(timeout)
    sampler.join()
    return code, seen
