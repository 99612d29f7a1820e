"""A Prometheus exporter that boots a phone on a schedule and serves the last run.

One thread boots, one after the other, so runs never overlap: a boot that outlasts the
interval makes the next start at the first tick after it ended (the ticks it covered are
counted as skipped), never a second phone beside it. Scrapes read the last finished run;
they never start a boot, so a scrape every 15 s does not load the pool with sign-ins. A
boot that cannot start (a run folder that cannot be written, an interface gone) is counted
and the schedule goes on: the last run's timestamp then ages, which an alert can see.
The clock and the wait are passed in, so the schedule is tested on a virtual clock.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from phonesim.probe.probe_metrics import ProbeCounts
from phonesim.probe.probe_run import ProbeRun


@dataclass
class ProbeSchedule:
    every: float
    boot: Callable[[], ProbeRun | None]
    """One boot; None for one that could not start (counted as an error, the last run kept)."""
    now: Callable[[], float] = time.monotonic
    stop: threading.Event = field(default_factory=threading.Event)
    counts: ProbeCounts = field(default_factory=ProbeCounts)
    last_run: ProbeRun | None = None
    starts: list[float] = field(default_factory=list)
    """When each boot began, on `now`'s clock."""
    wait: Callable[[float], bool] | None = None
    """Waits this many seconds or until stopped (True: stopped); default: `stop.wait`."""
    on_run: Callable[[ProbeRun], None] | None = None

    def run(self, runs: int | None = None) -> None:
        """Boot at once, then every `every` seconds, until stopped (or `runs` boots)."""
        wait = self.wait or self.stop.wait
        first = self.now()
        while not self.stop.is_set():
            self.starts.append(self.now())
            finished = self.boot()
            if finished is None:
                self.counts.errors += 1
            else:
                self.last_run = finished
                self.counts.count(finished)
                if self.on_run is not None:
                    self.on_run(finished)
            if runs is not None and len(self.starts) >= runs:
                return
            ended = self.now()
            # Ticks before the boot ended: each started a boot or was skipped; a tick at the
            # very instant it ended is still to come.
            ticks_done = max(math.ceil((ended - first) / self.every), len(self.starts))
            self.counts.skipped = max(self.counts.skipped, ticks_done - len(self.starts))
            next_start = first + ticks_done * self.every
            if wait(max(0.0, next_start - ended)):
                return


__all__ = ["ProbeSchedule"]
