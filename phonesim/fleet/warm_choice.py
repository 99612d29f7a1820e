"""Which phones of a fleet are warm (`--warm FRACTION`): the same ones in every run.

A power-restore storm is a pool whose phones mostly signed in before: they reboot
from their discovery cache and kept certificate. Which phones those are hangs on
the seed and each phone's index in the whole fleet only, never on a slice or the
order phones finish in, so the slices of one fleet (`--slice`, Locust's workers)
and a rerun with the same seed agree on every phone. The count is exact (the share
rounded), so a report's cold/warm split is the one asked for.
"""

from __future__ import annotations

import random

from phonesim.errors import UsageError


def parse_warm(text: str) -> float:
    """`--warm`: a share of the fleet from 0 to 1 (0.8, or 80%)."""
    value = text.strip()
    percent = value.endswith("%")
    try:
        share = float(value.removesuffix("%")) / (100 if percent else 1)
    except ValueError:
        share = float("nan")
    if not 0.0 <= share <= 1.0:  # also refuses nan
        raise UsageError(f"--warm {text!r}: give a share of the phones from 0 to 1, e.g. 0.8")
    return share


def warm_indices(phones: int, share: float, seed: int) -> frozenset[int]:
    """The indices (0..phones-1) of the warm phones: round(share * phones) of them, drawn
    by the seed alone."""
    count = round(share * phones)
    # A string seed is hashed the same way by every Python process (unlike hash()).
    draw = random.Random(f"phonesim fleet warm phones, seed {seed}")
    return frozenset(draw.sample(range(phones), count))
