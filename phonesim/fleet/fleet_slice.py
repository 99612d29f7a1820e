"""One slice of a fleet's schedule, so that several engines together run one fleet.

Slice k of n is every phone whose index is k modulo n, powered on at the time
the whole fleet's schedule gives that index. Identities and each phone's
randomness already hang on the seed and the global index, so the n slices
together are the one-process run, phone for phone: nothing is renumbered.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass

from phonesim.errors import UsageError
from phonesim.fleet.identities import FleetIdentity
from phonesim.fleet.load_shape import LoadShape

_SLICE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class FleetSlice:
    index: int
    """k: this slice runs the phones whose index is k modulo `count`."""
    count: int
    """n: how many slices share the schedule."""

    @classmethod
    def parse(cls, text: str) -> FleetSlice:
        """`K/N` as `--slice` takes it (0 <= K < N)."""
        match = _SLICE.match(text)
        if not match:
            raise UsageError(f"--slice {text!r}: give K/N, e.g. 0/4 for the first of 4 slices")
        index, count = int(match.group(1)), int(match.group(2))
        if count < 1 or index >= count:
            raise UsageError(f"--slice {text!r}: K must be from 0 to N-1 and N at least 1")
        return cls(index, count)

    def holds(self, index: int) -> bool:
        return index % self.count == self.index

    def identities(self, everyone: list[FleetIdentity]) -> list[FleetIdentity]:
        """This slice's phones, in the whole fleet's order (so in start-time order)."""
        return [identity for identity in everyone if self.holds(identity.index)]

    def shape(self, whole: LoadShape) -> LoadShape:
        """The whole fleet's schedule with this slice's share of `--concurrency`: start
        times stay the schedule's, read by global index."""
        if whole.concurrency is None:
            return whole
        return dataclasses.replace(whole, concurrency=math.ceil(whole.concurrency / self.count))

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"
