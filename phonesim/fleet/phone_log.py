"""`phones.csv`: one row per phone, written as each phone finishes.

Rows go to disk at once, so a fleet of any size keeps no per-phone record in
memory and a run that is cut short still has every phone that finished.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from phonesim.fleet.identities import FleetIdentity
from phonesim.fleet.stage_clock import STAGES

COLUMNS = (
    "index",
    "profile",
    "mac",
    "sign_in_as",
    "started_s",
    "ended_s",
    "outcome",
    "last_stage",
    "warm",
    *(f"{stage}_s" for stage in STAGES),
    "detail",
)


@dataclass(frozen=True)
class PhoneRecord:
    identity: FleetIdentity
    started: float
    ended: float
    outcome: str
    stage: str
    detail: str
    samples: list[tuple[str, float]]
    """Time spent in each step, whether it worked or failed."""
    slice: int | None = None
    """The engine slice that ran the phone (a fleet spread over several engines)."""
    warm: str = "cold"
    """Cold, or how a warm phone signed in (`--warm`: warm, warm-pin, warm-no-cache)."""


class PhonesCsv:
    def __init__(self, path: Path, *, sliced: bool = False) -> None:
        """`sliced`: a last column says which engine slice ran each phone."""
        self.path = path
        self._sliced = sliced
        self._stream: TextIO | None = path.open("w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._stream)
        self._writer.writerow((*COLUMNS, "slice") if sliced else COLUMNS)

    def write(self, record: PhoneRecord) -> None:
        if self._stream is None:
            return
        # A step run several times (DNS queries, registrar tries) shows its total.
        per_stage: dict[str, float] = {}
        for stage, seconds in record.samples:
            per_stage[stage] = per_stage.get(stage, 0.0) + seconds
        identity = record.identity
        self._writer.writerow(
            (
                identity.index,
                identity.profile,
                identity.mac,
                identity.sign_in_as,
                f"{record.started:.6f}",
                f"{record.ended:.6f}",
                record.outcome,
                record.stage,
                record.warm,
                *(f"{per_stage[s]:.6f}" if s in per_stage else "" for s in STAGES),
                record.detail,
                *((record.slice,) if self._sliced else ()),
            )
        )

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None
