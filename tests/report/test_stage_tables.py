"""The tables kept by stage or by event cover every stage and every event: a stage or an
event added to the declarations without its line here shows in the timeline's default
colour, the device log's unknown thread, or as a bare list of fields."""

from __future__ import annotations

import pytest

from phonesim.core import trace_schema
from phonesim.core.commands import Trace
from phonesim.core.stage import Stage
from phonesim.fleet.dashboard import STAGE_ORDER
from phonesim.report.device_log import THREADS
from phonesim.report.event_sentences import SENTENCES, describe
from phonesim.report.timeline import STAGE_STYLE


@pytest.mark.parametrize(
    "table",
    [STAGE_STYLE, THREADS, dict.fromkeys(STAGE_ORDER)],
    ids=["style", "threads", "dashboard"],
)
def test_every_stage_has_its_line(table: dict[str, object]) -> None:
    assert set(table) == set(Stage)


def test_every_thread_is_its_own() -> None:
    assert len(set(THREADS.values())) == len(THREADS)


def test_every_declared_event_has_a_sentence() -> None:
    assert set(SENTENCES) == set(trace_schema.DECLARED)


def test_an_event_lacking_a_field_its_sentence_needs_reads_as_its_fields() -> None:
    trace = Trace(1.0, "dhcp", "answer_won", {"server": "192.0.2.5"})
    assert describe(trace) == "server=192.0.2.5"
    trace = Trace(1.0, "dhcp", "answer_won", {"server": "192.0.2.5", "why": "first"})
    assert describe(trace) == "using the answer from 192.0.2.5: first"
