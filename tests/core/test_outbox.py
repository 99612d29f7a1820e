"""The outbox stamps every trace with its declaration's own spelling, as plain text."""

from __future__ import annotations

from phonesim.core.commands import Trace
from phonesim.core.outbox import Outbox
from phonesim.core.stage import Stage
from phonesim.core.trace_schema import DECLARED, FAILED, STOPPED


def test_a_trace_carries_its_declarations_stage_name_and_level_as_plain_text() -> None:
    declarations = [*DECLARED, *FAILED.values(), *STOPPED.values()]
    out = Outbox()
    out.t0, out.now = 10.0, 10.25
    for declared in declarations:
        out.trace(declared)
    traces = out.take()
    assert len(traces) == len(declarations)
    for declared, trace in zip(declarations, traces, strict=True):
        assert isinstance(trace, Trace)
        assert (trace.stage, trace.event) == (str(declared.stage), declared.name)
        assert trace.level in declared.levels
        # Plain str, not the Stage member: readers key dicts and write JSON by it.
        assert type(trace.stage) is str
        assert trace.t == 0.25


def test_a_failure_is_traced_at_error_level_under_its_stage() -> None:
    out = Outbox()
    out.trace(FAILED[Stage.CERTPROV], reason="certprov.http_404", message="not found")
    (trace,) = out.take()
    assert isinstance(trace, Trace)
    assert (trace.stage, trace.event, trace.level) == ("certprov", "failed", "error")
    assert trace.fields == {"reason": "certprov.http_404", "message": "not found"}
