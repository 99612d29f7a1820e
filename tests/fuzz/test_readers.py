"""Every reader of outside bytes, fuzzed: only phonesim's own errors escape, and no input is slow.

A small budget per reader keeps the directory well under a minute; the long
campaign (`benchmarks/fuzz_campaign.py`) runs the same targets a million times.
"""

from __future__ import annotations

import contextlib
import time

import pytest
from hypothesis import HealthCheck, given, settings

from phonesim.errors import PhonesimError
from tests.fuzz.target import SLOWEST_ALLOWED, FuzzTarget, inputs
from tests.fuzz.targets_files import FILE_TARGETS
from tests.fuzz.targets_text import TEXT_TARGETS
from tests.fuzz.targets_web import WEB_TARGETS
from tests.fuzz.targets_wire import WIRE_TARGETS

TARGETS = WIRE_TARGETS + WEB_TARGETS + TEXT_TARGETS + FILE_TARGETS
EXAMPLES = 300
FILE_EXAMPLES = 150
"""Files (captures, TOML, certificates, run folders) cost more per input: fewer of them."""


def _read_within_bound(target: FuzzTarget, data: bytes) -> None:
    started = time.perf_counter()
    with contextlib.suppress(PhonesimError):
        target.read(data)
    elapsed = time.perf_counter() - started
    assert elapsed < SLOWEST_ALLOWED, f"{target.name}: {len(data)} bytes took {elapsed:.1f} s"


@pytest.mark.parametrize("target", TARGETS, ids=[target.name for target in TARGETS])
def test_reader_raises_only_phonesim_errors(target: FuzzTarget) -> None:
    seeds = list(target.seeds())
    for seed in seeds:
        target.read(seed)  # a valid input reads without any error

    @settings(
        max_examples=FILE_EXAMPLES if target in FILE_TARGETS else EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(inputs(seeds, target.max_size))
    def fuzz(data: bytes) -> None:
        _read_within_bound(target, data)

    fuzz()
