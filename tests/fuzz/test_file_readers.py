"""Readers of files: captures, scenario and profile TOML, certificates, PKCS#7, run folders.

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

TARGETS = FILE_TARGETS
EXAMPLES = 150


def _read_within_bound(target: FuzzTarget, data: bytes) -> None:
    started = time.perf_counter()
    with contextlib.suppress(PhonesimError):
        target.read(data)
    elapsed = time.perf_counter() - started
    assert elapsed < SLOWEST_ALLOWED, f"{target.name}: {len(data)} bytes took {elapsed:.1f} s"


@pytest.mark.parametrize("target", TARGETS, ids=[target.name for target in TARGETS])
def test_file_reader_raises_only_phonesim_errors(target: FuzzTarget) -> None:
    seeds = list(target.seeds())
    for seed in seeds:
        target.read(seed)  # a valid input reads without any error

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(inputs(seeds, target.max_size))
    def fuzz(data: bytes) -> None:
        _read_within_bound(target, data)

    fuzz()
