"""The pairing is deterministic: the same arguments give the same trace, byte for byte.

Seed, start instant, certificate serials and the lab's clock are all fixed, so a
golden trace can be compared with a run line for line. The other tests show that
the trace does depend on them, so the sameness is not that of a constant.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from phonesim.lab.scenario import catalogue, load_scenario
from phonesim.testing import LabPair
from phonesim.testing.lab_pair import START


def trace_of(name: str, **kwargs: object) -> str:
    pair = LabPair(load_scenario(name), **kwargs)  # type: ignore[arg-type]
    pair.run()
    return pair.trace_jsonl()


@pytest.mark.parametrize("name", sorted(catalogue()))
def test_two_runs_give_the_same_trace_byte_for_byte(name: str) -> None:
    assert trace_of(name) == trace_of(name)


def test_another_seed_gives_another_transaction_and_request_ids() -> None:
    assert trace_of("healthy", seed=12) != trace_of("healthy")


def test_another_start_dates_the_certificates_and_the_ticket_otherwise() -> None:
    later = trace_of("healthy", start=START + timedelta(days=1))
    assert later != trace_of("healthy")
    assert "2026-11-24T17:00:00.009000+00:00" in later  # the ticket's expiry, 8 h after
