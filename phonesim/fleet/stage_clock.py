"""One phone's step latencies, read off its trace as it boots: steps that worked and steps
that failed, with how long each took to fail.

Only the start times of steps under way are kept (a few floats per phone), so
a fleet measures every phone without keeping any phone's trace. A load test
needs the failed steps as much as the good ones: a server that times out
makes phones wait, and leaving those waits out would make it look fast.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from phonesim.core import trace_schema as ts
from phonesim.core.commands import Trace
from phonesim.core.failure_reasons import TIMEOUT, reason_named
from phonesim.core.stage import Stage
from phonesim.core.trace_schema import TraceEvent
from phonesim.diagnosis.declared_fields import (
    DeclaredFields,
    declared_field,
    reads,
)

_T = TypeVar("_T")

METADATA = "metadata"
"""Each metadata (mex) fetch: a step of the root chain's and the web ticket's stages."""

BOOT = Stage.BOOT
"""The whole boot, as a measured step (power on to the boot's end)."""

REFRESH = "refresh"
"""A held phone's signed re-REGISTER before Expires, to its verified 200 OK."""
SA_RENEWAL = "sa_renewal"
"""A held phone's new security association on its own timer: the fresh challenge, the
handshake, to the verified 200 OK."""
FORCED_REHANDSHAKE = "forced_rehandshake"
"""A refresh the registrar refused (401: it forgot the association), from the refresh
leaving to the new association's verified 200 OK."""
SIGN_OUT = "sign_out"
"""The REGISTER with Expires 0 at the end of a hold, to its answer."""
HELD_STEPS = (REFRESH, SA_RENEWAL, FORCED_REHANDSHAKE, SIGN_OUT)

STAGES = (
    Stage.LEASE,
    Stage.DHCP,
    Stage.DNS,
    Stage.TIME,
    Stage.ROOTCHAIN,
    METADATA,
    Stage.WEBTICKET,
    Stage.CERTPROV,
    Stage.REGISTRAR,
    Stage.TLSDSK,
    Stage.PROVISIONING,
    *HELD_STEPS,
    BOOT,
)
"""Measured steps: each DORA (the VLAN query's and the lease's: first DISCOVER to the ACK),
each DHCP exchange (first INFORM to first ACK), each DNS query, the
time query, the root chain download, each metadata (mex) fetch, the web ticket, the
certificate, each registrar attempt, the TLS-DSK sign-in (first handshake round to the
verified 200 OK), in-band provisioning (the SUBSCRIBE to its answer), a held phone's
REGISTERs (`HELD_STEPS`), and the whole boot (power on to signed in, held, or the --stage
asked for, or to the failure)."""

OK = "ok"
FAILED = "failed"
TIMED_OUT = "timed_out"
INTERRUPTED = "interrupted"
"""The fleet ended the phone (Ctrl-C): the step neither worked nor failed."""
NOT_NEEDED = "not_needed"
"""The phone's boot ended well while the step was still under way: it had what it
needed without the answer (`--stage discovery` ends on DHCP's answer while the DNS
query sent beside it is still out)."""

_STARTS: dict[TraceEvent, str] = {
    ts.LEASE_DISCOVER_SENT: Stage.LEASE,
    ts.DHCP_INFORM_SENT: Stage.DHCP,
    ts.DNS_QUERY: Stage.DNS,
    ts.TIME_QUERY: Stage.TIME,
    ts.ROOTCHAIN_REQUEST: Stage.ROOTCHAIN,
    ts.CERTPROV_METADATA_REQUEST: METADATA,
    ts.WEBTICKET_METADATA_REQUEST: METADATA,
    ts.WEBTICKET_REQUEST: Stage.WEBTICKET,
    ts.CERTPROV_REQUEST: Stage.CERTPROV,
    ts.REGISTRAR_CONNECT: Stage.REGISTRAR,
    ts.TLSDSK_HANDSHAKE_ROUND: Stage.TLSDSK,
    ts.PROVISIONING_REQUESTED: Stage.PROVISIONING,
    ts.POWER_ON: BOOT,
}
_ENDS: dict[TraceEvent, str] = {
    ts.LEASE_ACKED: Stage.LEASE,
    ts.DHCP_ANSWER: Stage.DHCP,
    ts.DNS_ANSWER: Stage.DNS,
    ts.TIME_SYNCHRONIZED: Stage.TIME,
    ts.ROOTCHAIN_RECEIVED: Stage.ROOTCHAIN,
    ts.CERTPROV_METADATA: METADATA,
    ts.WEBTICKET_METADATA: METADATA,
    ts.WEBTICKET_ISSUED: Stage.WEBTICKET,
    ts.CERTPROV_ISSUED: Stage.CERTPROV,
    ts.REGISTRAR_CHALLENGE: Stage.REGISTRAR,
    ts.TLSDSK_REGISTERED: Stage.TLSDSK,
    ts.TLSDSK_REDIRECTED: Stage.TLSDSK,
    ts.PROVISIONING_RECEIVED: Stage.PROVISIONING,
}
_BOOT_ENDS = frozenset(
    {
        ts.REGISTRAR_CHALLENGE_REACHED.name,
        ts.TLSDSK_SIGNED_IN.name,
        ts.PROVISIONING_SIGNED_IN.name,
        # A held phone's boot ends when its hold begins: signed in and provisioned.
        ts.HELD_BEGAN.name,
        *(e.name for e in ts.STOPPED.values()),
    }
)
"""A successful end of the boot, at whichever stage the phone was asked to stop."""
_BOOT_FAILED = frozenset(e.name for e in ts.FAILED.values())
_FAILED_FIELDS = ts.failed(Stage.DHCP)
_REASON = declared_field(_FAILED_FIELDS, "reason")
_MESSAGE = declared_field(_FAILED_FIELDS, "message")
_KIND = declared_field(_FAILED_FIELDS, "kind")


@dataclass(frozen=True, slots=True)
class _StepFailed:
    """How a step that failed while the phone went on says what happened."""

    step: str
    message: Callable[[DeclaredFields], str]
    timed_out: Callable[[DeclaredFields, str], bool]


TIMEOUT_WORDS = "no answer within"
"""How a time server's silence is worded (drivers/time_client): the event has no kind."""


@reads(ts.DNS_NO_ANSWER, ts.TIME_NO_ANSWER)
def _error(f: DeclaredFields) -> str:
    return str(f.get("error") or "")


@reads(ts.DNS_NO_ANSWER, ts.TIME_NO_ANSWER)
def _error_timed_out(f: DeclaredFields, message: str) -> bool:
    return f.get("error") == TIMEOUT or message.startswith(TIMEOUT_WORDS)


@reads(ts.REGISTRAR_ATTEMPT_FAILED)
def _attempt_failed(f: DeclaredFields) -> str:
    return str(f.get("detail") or "")


@reads(ts.REGISTRAR_ATTEMPT_FAILED)
def _attempt_timed_out(f: DeclaredFields, message: str) -> bool:
    return f.get("kind") == TIMEOUT or message.startswith(TIMEOUT_WORDS)


@reads(ts.REGISTRAR_ANSWER)
def _answered(f: DeclaredFields) -> str:
    # A registrar answered, but not with the TLS-DSK challenge.
    return f"answered {f.get('status')} {f.get('reason_phrase') or ''}".strip()


@reads(ts.DHCP_GAVE_UP, ts.LEASE_GAVE_UP)
def _gave_up(f: DeclaredFields) -> str:
    return str(f.get("note") or "")


_STEP_FAILURES: dict[TraceEvent, _StepFailed] = {
    ts.LEASE_GAVE_UP: _StepFailed(Stage.LEASE, _gave_up, lambda _f, _m: True),
    ts.DHCP_GAVE_UP: _StepFailed(Stage.DHCP, _gave_up, lambda _f, _m: True),
    ts.DNS_NO_ANSWER: _StepFailed(Stage.DNS, _error, _error_timed_out),
    ts.TIME_NO_ANSWER: _StepFailed(Stage.TIME, _error, _error_timed_out),
    ts.REGISTRAR_ATTEMPT_FAILED: _StepFailed(Stage.REGISTRAR, _attempt_failed, _attempt_timed_out),
    ts.REGISTRAR_ANSWER: _StepFailed(Stage.REGISTRAR, _answered, lambda _f, _m: False),
}
"""A step that failed while the phone went on (another query, server or registrar)."""

# Steps that can run side by side in one phone are told apart by this field.
_PARALLEL_BY: dict[str, str] = {Stage.DNS: "name", Stage.REGISTRAR: "registrar"}


_Keyed = dict[tuple[str, str], tuple[_T, str | None, TraceEvent]]


def _keyed(table: Mapping[TraceEvent, _T]) -> _Keyed[_T]:
    """Looked up by (stage, event), so no string is built per trace; with the field that
    tells steps run side by side apart, checked against each event's declaration."""
    keyed: _Keyed[_T] = {}
    for event, value in table.items():
        # Steps as plain text: the clock keys its dicts by them for every trace.
        step = str(value.step if isinstance(value, _StepFailed) else value)
        part = _PARALLEL_BY.get(step)
        plain: Any = replace(value, step=step) if isinstance(value, _StepFailed) else step
        # Keyed by the stage as plain text, as traces carry it: a Stage member as key
        # would make each hit compare a str with an enum member.
        keyed[(event.stage.value, event.name)] = (
            plain,
            None if part is None else declared_field(event, part),
            event,
        )
    return keyed


_INDEX = {str(stage): index for index, stage in enumerate(STAGES)}
_START_KEYS = _keyed(_STARTS)
_END_KEYS = _keyed(_ENDS)
_FAILURE_KEYS = _keyed(_STEP_FAILURES)


@dataclass(frozen=True, slots=True)
class StepFailure:
    stage: str
    seconds: float
    """From the step's start to its failure: what the phone waited."""
    kind: str
    """FAILED, TIMED_OUT or INTERRUPTED."""
    reason: str
    """The phone's failure name (`certprov.http_404`), or `<step>.<event>` for a step the
    phone got past (`time.no_answer`)."""
    message: str
    ended_boot: bool
    """Whether this failure is the one the phone's boot ended with."""


_HELD = Stage.HELD.value
_REREGISTERING = ts.HELD_REREGISTERING.name
_WHY = declared_field(ts.HELD_REREGISTERING, "why")
_OPENED_BY: dict[str, str] = {
    "refresh": REFRESH,
    "new_association": SA_RENEWAL,
    "sign_out": SIGN_OUT,
}
"""The held step a `held.reregistering` opens, by its `why`."""
_HELD_ENDS: dict[str, tuple[str, ...]] = {
    ts.HELD_REFRESHED.name: (REFRESH,),
    ts.HELD_REHANDSHAKED.name: (SA_RENEWAL, REFRESH),
    ts.HELD_SIGNED_OUT.name: (SIGN_OUT,),
}
"""The held steps an answer may end, by the event that says so. A new association that
answers a refresh is the registrar's doing (401): a `FORCED_REHANDSHAKE`."""


class StageClock:
    # A fleet keeps one per phone until the phone ends: for a held phone, the whole hold.
    # So the steps that worked are kept as a byte and a double each, not as tuples.
    __slots__ = (
        "_ends",
        "_open",
        "_origin",
        "_reached",
        "_seconds",
        "_steps",
        "current_stage",
        "failures",
        "not_needed",
    )

    def __init__(self) -> None:
        self._open: dict[tuple[str, Any], float] = {}
        self._steps = bytearray()
        """Each step that worked, as its index in STAGES (same order as `_seconds`)."""
        self._seconds: array[float] = array("d")
        self._ends: array[float] = array("d")
        """When each step that worked ended, on the traces' clock (same order), so a
        report can place its latency in time."""
        self._origin = math.nan
        """The first trace's time: the phone's power on."""
        self._reached = 0
        """Steps started at least once, one bit per index in STAGES."""
        self.failures: list[StepFailure] = []
        """Every step that failed, timed out or was cut short."""
        self.not_needed: list[str] = []
        """The steps still under way when the boot ended well (see NOT_NEEDED)."""
        self.current_stage: str = Stage.BOOT

    @property
    def samples(self) -> list[tuple[str, float]]:
        """(stage, seconds) for every step that worked."""
        return [(STAGES[i], t) for i, t in zip(self._steps, self._seconds, strict=True)]

    @samples.setter
    def samples(self, samples: list[tuple[str, float]]) -> None:
        """Figures given whole (a statistics test's phone)."""
        self._steps = bytearray(_INDEX[step] for step, _ in samples)
        self._seconds = array("d", (seconds for _, seconds in samples))
        self._ends = array("d")

    @property
    def sample_ends(self) -> list[float]:
        """When each of `samples` ended, seconds since power on; empty where the samples
        were given whole, without their times."""
        return [at - self._origin for at in self._ends]

    @property
    def reached(self) -> set[str]:
        """Steps the phone started at least once."""
        return {stage for i, stage in enumerate(STAGES) if self._reached >> i & 1}

    @reached.setter
    def reached(self, steps: set[str]) -> None:
        self._reached = 0
        for step in steps:
            self._reach(step)

    def _reach(self, step: str) -> None:
        self._reached |= 1 << _INDEX[step]

    def _worked(self, step: str, seconds: float, at: float) -> None:
        self._steps.append(_INDEX[step])
        self._seconds.append(seconds)
        self._ends.append(at)

    def observe(self, trace: Trace) -> None:
        if math.isnan(self._origin):  # the first trace: the power on
            self._origin = trace.t
        self.current_stage = trace.stage
        if trace.stage == _HELD and trace.level != "error" and self._held(trace):
            return
        key = (trace.stage, trace.event)
        started_step = _START_KEYS.get(key)
        if started_step is not None:
            stage, part, _ = started_step
            self._reach(stage)
            self._open.setdefault((stage, self._part(part, trace)), trace.t)
            return
        ended_step = _END_KEYS.get(key)
        if ended_step is not None:
            stage, part, _ = ended_step
            started = self._open.pop((stage, self._part(part, trace)), None)
            if started is not None:
                self._worked(stage, trace.t - started, trace.t)
            return
        failed_step = _FAILURE_KEYS.get(key)
        if failed_step is not None and trace.level != "error":
            failed, part, event = failed_step
            started = self._open.pop((failed.step, self._part(part, trace)), None)
            if started is not None:
                self.failures.append(_step_failure(failed, event, trace, trace.t - started))
            return
        if trace.event in _BOOT_ENDS:
            started = self._open.pop((BOOT, None), None)
            if started is not None:
                self._worked(BOOT, trace.t - started, trace.t)
            self.not_needed.extend(stage for stage, _part in self._open)
            self._open.clear()
        elif trace.event in _BOOT_FAILED and trace.level == "error":
            fields = trace.fields
            reason = str(fields.get(_REASON) or f"{trace.stage}.{trace.event}")
            declared = reason_named(reason)
            timed_out = (declared is not None and declared.timed_out) or fields.get(
                _KIND
            ) == TIMEOUT
            self.close(
                trace.t,
                TIMED_OUT if timed_out else FAILED,
                reason,
                str(fields.get(_MESSAGE) or ""),
            )

    def _held(self, trace: Trace) -> bool:
        """A held phone's REGISTER left or was answered (keep-alives are not traced): True
        when the trace was one of those."""
        opened = (
            _OPENED_BY.get(str(trace.fields.get(_WHY))) if trace.event == _REREGISTERING else None
        )
        if opened is not None:
            self._reach(opened)
            self._open[(opened, None)] = trace.t
            return True
        for step in _HELD_ENDS.get(trace.event, ()):
            started = self._open.pop((step, None), None)
            if started is not None:
                if step == REFRESH and trace.event == ts.HELD_REHANDSHAKED.name:
                    step = FORCED_REHANDSHAKE
                    self._reach(step)
                self._worked(step, trace.t - started, trace.t)
                return True
        return False

    def close(self, t: float, kind: str, reason: str, message: str) -> None:
        """End every step still under way at `t` (seconds since power on), the boot
        last: the phone failed, or the fleet ended it."""
        for (stage, _part), started in sorted(self._open.items(), key=_boot_last):
            self.failures.append(StepFailure(stage, t - started, kind, reason, message, True))
        self._open.clear()

    @staticmethod
    def _part(field: str | None, trace: Trace) -> Any:
        return trace.fields.get(field) if field else None


def _boot_last(item: tuple[tuple[str, Any], float]) -> bool:
    return item[0][0] == BOOT


def _step_failure(
    failed: _StepFailed, event: TraceEvent, trace: Trace, seconds: float
) -> StepFailure:
    fields = DeclaredFields(event, trace.fields)
    message = failed.message(fields)
    return StepFailure(
        failed.step,
        seconds,
        TIMED_OUT if failed.timed_out(fields, message) else FAILED,
        f"{failed.step}.{trace.event}",
        message,
        False,
    )
