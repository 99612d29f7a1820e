"""Seeded random numbers for a fleet's phones in a few dozen bytes each.

Each phone draws its own numbers (xid, retransmission jitter, ids) from its
own seed, so a run repeats exactly. `random.Random` keeps 2.5 KB of state:
for 10,000 phones in flight that is 25 MB of a 200 MB budget. SplitMix64
(Steele, Lea and Flood, 2014) keeps one 64-bit integer and is more than random
enough for transaction ids and jitter (not for secrets: nothing here is one).
"""

from __future__ import annotations

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_DOUBLE = 1.0 / (1 << 53)


class CompactRandom:
    __slots__ = ("_state",)

    def __init__(self, seed: int) -> None:
        self._state = seed & _MASK

    def _next(self) -> int:
        self._state = z = (self._state + _GOLDEN) & _MASK
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        return z ^ (z >> 31)

    def getrandbits(self, k: int, /) -> int:
        if k < 0:
            raise ValueError("number of bits must be non-negative")
        bits = produced = 0
        while produced < k:
            bits = (bits << 64) | self._next()
            produced += 64
        return bits >> (produced - k)

    def random(self) -> float:
        return (self._next() >> 11) * _DOUBLE
