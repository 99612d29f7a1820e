"""The last event of a boot's trace, chosen from its outcome and the stage it was asked to
stop after.

Apart from the conductor (`phonesim.core.phone`) because it is a reading of the endings'
tables (`phonesim.core.trace_endings`), not a step of the boot: every outcome ends the
trace in exactly one declared event, and which one is data there, not a chain of cases
here.
"""

from __future__ import annotations

from phonesim.core import flow
from phonesim.core.outbox import Outbox
from phonesim.core.outcome import Failure, Outcome
from phonesim.core.stage import Stage
from phonesim.core.trace_endings import FAILED, HELD_SIGNED_OUT, REACHED, STOPPED

_NOT_BEGUN = {stop: tuple(str(stage) for stage in flow.not_begun(stop)) for stop in flow.STOP_AFTER}
"""For each stage a boot may stop after, the stages it leaves out, as the trace spells them."""


def trace_ending(out: Outbox, outcome: Outcome, stop: Stage, *, discovery_cache_used: bool) -> None:
    """Trace the end of a boot asked to stop after `stop` that came to `outcome`."""
    if isinstance(outcome, Failure):
        out.trace(
            FAILED[Stage(outcome.stage)],
            reason=outcome.reason,
            message=outcome.message,
            **outcome.evidence,
        )
        return
    fields = {
        "web_url": outcome.web_url,
        "registrar": outcome.registrar,
        "sip_uri": outcome.sip_uri,
    }
    if outcome.held is not None:
        out.trace(HELD_SIGNED_OUT, **fields, **outcome.held)
    elif stop in REACHED:
        out.trace(REACHED[stop], **fields)
    else:
        out.trace(
            STOPPED[stop],
            **fields,
            not_begun=list(_NOT_BEGUN[stop]),
            discovery_cache_used=discovery_cache_used,
        )


__all__ = ["trace_ending"]
