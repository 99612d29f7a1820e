"""The master's side of a fleet spread over engine slices: every phone's record, merged.

Slices send their phones' records in numbered batches, then a `slice_done` with
their counts. The merge replays every record into one `FleetStatistics`, so the
percentiles are nearest rank over every sample the engines measured, exactly as
in one process, and it writes the same `summary.json`, `phones.csv` and
`report.html` a one-machine fleet writes. Anything missing is said, not hidden: a
batch number skipped, or a slice that died (its phones started but never
reported count as `fleet.worker_lost`), makes `accounting_complete` false.

No Locust here: the bridge hands messages in; this stays testable and timeable alone.
"""

from __future__ import annotations

import json
from array import array
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phonesim.fleet.arrivals import arrival_summary
from phonesim.fleet.fleet_report import PHONES, fleet_summary, write_report
from phonesim.fleet.identities import FleetIdentity
from phonesim.fleet.phone_log import PhoneRecord, PhonesCsv
from phonesim.fleet.record_stream import ShippedSteps
from phonesim.fleet.stage_clock import STAGES
from phonesim.fleet.statistics import FleetStatistics, latency_summary, micro
from phonesim.fleet.stop_reason import COMPLETED, INTERRUPTED
from phonesim.fleet.stop_reason import max_failures as max_failures_reason
from phonesim.fleet.warm_figures import WarmSplit
from phonesim.fleet.warm_plan import COLD

WORKER_LOST = "fleet.worker_lost"
"""A phone its slice started but never reported: the engine or its worker died."""


@dataclass
class SliceState:
    index: int
    client_id: str | None = None
    batches: int = 0
    """Batches received; the next expected number."""
    gaps: list[str] = field(default_factory=list)
    started: int = 0
    """The engine's latest count of phones powered on."""
    cpu_seconds: float = 0.0
    engine_pid: int | None = None
    ready: bool = False
    """The engine has loaded and waits for the schedule's zero."""
    done: bool = False
    lost: str | None = None
    """Why the slice ended without its records (None: it closed normally)."""
    reported_finished: int | None = None
    lost_phones: list[int] = field(default_factory=list)
    """Indices of the phones the slice powered on and never reported."""
    stopped: str | None = None
    warm: dict[str, Any] | None = None
    """The slice's warm-up figures (`--warm`): caches found, warmed by its pass, failed."""


class MergedFleet:
    def __init__(
        self,
        slices: int,
        *,
        final_stage: str,
        config: dict[str, Any],
        rate: float | None,
        start_at: float | None = None,
        max_failures: int | None = None,
        warm: float | None = None,
    ) -> None:
        self.slices = {k: SliceState(k) for k in range(slices)}
        self.final_stage = final_stage
        self.config = config
        self.rate = rate
        self.start_at = start_at
        self.frames: list[tuple[int, dict[str, Any]]] = []
        self.interrupted = False
        self.max_failures = max_failures
        self.failed = 0
        """Phones that failed among those received (for `--max-failures`)."""
        self.stop_reason: str | None = None
        """What stopped every slice from the master (`--max-failures`), if anything did."""
        self.live: dict[str, array[float]] = {stage: array("d") for stage in STAGES}
        """Each step's samples as they arrive, for the live view (the report replays all)."""
        self.live_outcomes: Counter[str] = Counter()
        self.warm = warm
        """`--warm`: the share of warm phones; the report then splits cold and warm."""

    # -- what the slices send -------------------------------------------------------

    def records(self, message: dict[str, Any]) -> None:
        """A batch: `lines` holds phone frames as the engine wrote them, one a line."""
        state = self.slices[message["slice"]]
        seq = message["seq"]
        if seq != state.batches:
            state.gaps.append(f"batch {seq} arrived when {state.batches} was due")
        state.batches = max(state.batches, seq + 1)
        k = state.index
        live, outcomes = self.live, self.live_outcomes
        for line in message["lines"].split(b"\n"):
            frame = json.loads(line)
            self.frames.append((k, frame))
            outcomes[frame["outcome"]] += 1
            self.failed += frame["outcome"] != "success"
            for stage, seconds in frame["samples"]:
                live[stage].append(seconds)

    def progress(self, message: dict[str, Any]) -> None:
        state = self.slices[message["slice"]]
        state.started = max(state.started, message["started"])
        state.cpu_seconds = message.get("cpu_seconds", state.cpu_seconds)
        state.engine_pid = message.get("engine_pid", state.engine_pid)
        state.client_id = message.get("client_id", state.client_id)

    def slice_ready(self, message: dict[str, Any]) -> None:
        self.progress(message)
        self.slices[message["slice"]].ready = True

    @property
    def all_ready(self) -> bool:
        return all(state.ready or state.done for state in self.slices.values())

    def slice_done(self, message: dict[str, Any]) -> None:
        self.progress(message)
        state = self.slices[message["slice"]]
        if message["batches"] != state.batches:
            state.gaps.append(f"{message['batches']} batches sent, {state.batches} received")
        state.reported_finished = message.get("finished")
        state.stopped = message.get("stopped")
        state.lost = message.get("lost")
        state.lost_phones = list(message.get("lost_phones", []))
        state.warm = message.get("warm")
        state.done = True

    def slice_lost(self, k: int, why: str) -> None:
        """The master saw the slice's worker go (missing heartbeats, quit mid-run)."""
        state = self.slices[k]
        if not state.done:
            state.lost, state.done = why, True

    @property
    def all_done(self) -> bool:
        return all(state.done for state in self.slices.values())

    def failures_reached(self) -> bool:
        """`--max-failures` reached for the first time: the master stops every slice."""
        limit = self.max_failures
        if limit is None or self.stop_reason is not None or self.failed < limit:
            return False
        self.stop_reason = max_failures_reason(limit)
        return True

    def step_rows(self) -> list[dict[str, Any]]:
        """The live per-step table: exact percentiles (nearest rank) of what has arrived, ms."""
        rows = []
        for stage, samples in self.live.items():
            summary = latency_summary(samples)
            if summary is None:
                continue
            row: dict[str, Any] = {"step": stage, "count": summary.pop("count")}
            row.update({key: round(value * 1000, 3) for key, value in summary.items()})
            rows.append(row)
        return rows

    # -- the report -------------------------------------------------------------------

    def statistics(self) -> tuple[FleetStatistics, dict[int, int]]:
        """Every record replayed in time order; phones lost per slice."""
        statistics = FleetStatistics(self.final_stage)
        frames = [frame for _, frame in self.frames]
        for frame in sorted(frames, key=lambda f: f["started"]):
            statistics.phone_started(
                frame["started"], scheduled=frame["scheduled"], waited=frame["waited"]
            )
        for frame in sorted(frames, key=lambda f: f["ended"]):
            statistics.phone_finished(
                frame["ended"],
                frame["outcome"],
                ShippedSteps.of(frame),
                ext=frame["sign_in_as"],
                mac=frame["mac"],
                profile=frame["profile"],
                started=frame["started"],
            )
        reported: dict[int, int] = dict.fromkeys(self.slices, 0)
        for k, _ in self.frames:
            reported[k] += 1
        lost = {k: max(0, s.started - reported[k]) for k, s in self.slices.items()}
        statistics.started += sum(lost.values())
        if sum(lost.values()):
            statistics.outcomes[WORKER_LOST] += sum(lost.values())
        return statistics, lost

    def summary(self, statistics: FleetStatistics, lost: dict[int, int]) -> dict[str, Any]:
        elapsed = max((f["ended"] for _, f in self.frames), default=0.0)
        stopped = {s.stopped for s in self.slices.values() if s.stopped}
        reason = (
            INTERRUPTED
            if self.interrupted
            else self.stop_reason
            if self.stop_reason is not None
            else next(iter(stopped))
            if len(stopped) == 1
            else COMPLETED
        )
        summary = fleet_summary(
            statistics,
            config=self.config,
            elapsed=elapsed,
            stop_reason=reason,
            started_wall=self.start_at,
            arrivals=arrival_summary(
                statistics.started_at,
                statistics.scheduled_at,
                rate=self.rate,
                waited_for_capacity=statistics.waited_for_capacity,
            ),
        )
        gaps = [f"slice {k}: {gap}" for k, s in self.slices.items() for gap in s.gaps]
        summary["workers"] = [
            {
                "slice": k,
                "client_id": s.client_id,
                "engine_pid": s.engine_pid,
                "cpu_seconds": micro(s.cpu_seconds),
                "phones_started": s.started,
                "phones_lost": lost[k],
                "lost": s.lost,
                "lost_phones": s.lost_phones,
                "record_batches": s.batches,
            }
            for k, s in self.slices.items()
        ]
        summary["record_gaps"] = gaps
        summary["warm"] = self.warm_summary()
        summary["accounting_complete"] = (
            summary["accounting_complete"]
            and not gaps
            and not any(s.lost for s in self.slices.values())
        )
        return summary

    def warm_summary(self) -> dict[str, Any] | None:
        """The cold/warm split a one-process run writes: each kind's figures over every
        phone's record, and each slice's warm-up pass summed (every worker warms its own
        phones, against its own state folder)."""
        if self.warm is None:
            return None
        split = WarmSplit()
        for _, frame in sorted(self.frames, key=lambda kf: kf[1]["ended"]):
            kind = frame.get("warm", COLD)
            split.started(kind)
            split.finished(kind, frame["outcome"], ShippedSteps.of(frame), frame.get("fell_back"))
        passes = [s.warm for s in self.slices.values() if s.warm is not None]
        return {
            "share": self.warm,
            **{
                key: sum(figures[key] for figures in passes)
                for key in ("from_state", "warmed_by_pass", "warm_up_failed")
            },
            "phones": split.summary(),
        }

    def write(self, folder: Path) -> dict[str, Any]:
        """summary.json, phones.csv (with the slice of each phone) and report.html."""
        statistics, lost = self.statistics()
        summary = self.summary(statistics, lost)
        folder.mkdir(parents=True, exist_ok=True)
        phones = PhonesCsv(folder / PHONES, sliced=True)
        for k, frame in sorted(self.frames, key=lambda kf: kf[1]["ended"]):
            phones.write(_phone_record(k, frame))
        phones.close()
        write_report(folder, statistics, summary)
        return summary

    def exit_code(self, summary: dict[str, Any]) -> int:
        """phonesim fleet's own: 0 all signed in, 3 some failed or lost, 130 Ctrl-C."""
        if self.interrupted:
            return 130
        if summary["failed"] or not summary["accounting_complete"]:
            return 3
        return 0


def _phone_record(k: int, frame: dict[str, Any]) -> PhoneRecord:
    steps = ShippedSteps.of(frame)
    return PhoneRecord(
        identity=FleetIdentity(
            index=frame["index"],
            profile=frame["profile"],
            mac=frame["mac"],
            sign_in_as=frame["sign_in_as"],
            pin="",
        ),
        started=frame["started"],
        ended=frame["ended"],
        outcome=frame["outcome"],
        stage=frame["last_stage"],
        detail=frame["detail"],
        samples=[*steps.samples, *((f.stage, f.seconds) for f in steps.failures)],
        warm=frame.get("warm", COLD),
        slice=k,
    )
