"""One phone's step latencies, read off its trace as it boots: steps that worked and steps
that failed, with how long each took to fail.

Only the start times of steps under way are kept (a few floats per phone), so
a fleet measures every phone without keeping any phone's trace. A load test
needs the failed steps as much as the good ones: a server that times out
makes phones wait, and leaving those waits out would make it look fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from phonesim.core.commands import Trace

STAGES = (
    "dhcp",
    "dns",
    "time",
    "rootchain",
    "metadata",
    "webticket",
    "certprov",
    "registrar",
    "boot",
)
"""Measured steps: each DHCP exchange (first INFORM to first ACK), each DNS query, the
time query, the root chain download, each metadata (mex) fetch, the web ticket, the
certificate, each registrar attempt, and the whole boot (power on to the registrar's
TLS-DSK challenge or the --stage asked for, or to the failure)."""

OK = "ok"
FAILED = "failed"
TIMED_OUT = "timed_out"
INTERRUPTED = "interrupted"
"""The fleet ended the phone (Ctrl-C): the step neither worked nor failed."""
NOT_NEEDED = "not_needed"
"""The phone's boot ended well while the step was still under way: it had what it
needed without the answer (`--stage discovery` ends on DHCP's answer while the DNS
query sent beside it is still out)."""

_STARTS = {
    "dhcp.inform_sent": "dhcp",
    "dns.query": "dns",
    "time.query": "time",
    "rootchain.request": "rootchain",
    "certprov.metadata_request": "metadata",
    "webticket.metadata_request": "metadata",
    "webticket.request": "webticket",
    "certprov.request": "certprov",
    "registrar.connect": "registrar",
    "boot.power_on": "boot",
}
_ENDS = {
    "dhcp.answer": "dhcp",
    "dns.answer": "dns",
    "time.synchronized": "time",
    "rootchain.received": "rootchain",
    "certprov.metadata": "metadata",
    "webticket.metadata": "metadata",
    "webticket.issued": "webticket",
    "certprov.issued": "certprov",
    "registrar.challenge": "registrar",
}
_BOOT_ENDS = ("challenge_reached", "stopped_as_asked")
"""A successful end of the boot, at whichever stage the phone was asked to stop."""

_STEP_FAILURES = {
    "dhcp.gave_up": "dhcp",
    "dns.no_answer": "dns",
    "time.no_answer": "time",
    "registrar.failed": "registrar",
    "registrar.answer": "registrar",
}
"""A step that failed while the phone went on (another query, server or registrar)."""

# Steps that can run side by side in one phone are told apart by this field.
_PARALLEL_BY = {"dns": "name", "registrar": "registrar"}


def _keys(table: dict[str, str]) -> dict[tuple[str, str], str]:
    """Looked up by (stage, event), so no string is built per trace."""
    return {(k.partition(".")[0], k.partition(".")[2]): v for k, v in table.items()}


_START_KEYS = _keys(_STARTS)
_END_KEYS = _keys(_ENDS)
_FAILURE_KEYS = _keys(_STEP_FAILURES)


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


class StageClock:
    __slots__ = ("_open", "current_stage", "failures", "not_needed", "reached", "samples")

    def __init__(self) -> None:
        self._open: dict[tuple[str, Any], float] = {}
        self.samples: list[tuple[str, float]] = []
        """(stage, seconds) for every step that worked."""
        self.failures: list[StepFailure] = []
        """Every step that failed, timed out or was cut short."""
        self.not_needed: list[str] = []
        """The steps still under way when the boot ended well (see NOT_NEEDED)."""
        self.reached: set[str] = set()
        """Steps the phone started at least once."""
        self.current_stage = "boot"

    def observe(self, trace: Trace) -> None:
        self.current_stage = trace.stage
        key = (trace.stage, trace.event)
        stage = _START_KEYS.get(key)
        if stage is not None:
            self.reached.add(stage)
            self._open.setdefault((stage, self._part(stage, trace)), trace.t)
            return
        stage = _END_KEYS.get(key)
        if stage is not None:
            started = self._open.pop((stage, self._part(stage, trace)), None)
            if started is not None:
                self.samples.append((stage, trace.t - started))
            return
        stage = _FAILURE_KEYS.get(key)
        if stage is not None and trace.level != "error":
            started = self._open.pop((stage, self._part(stage, trace)), None)
            if started is not None:
                self.failures.append(_step_failure(stage, trace, trace.t - started))
            return
        if trace.event in _BOOT_ENDS:
            started = self._open.pop(("boot", None), None)
            if started is not None:
                self.samples.append(("boot", trace.t - started))
            self.not_needed.extend(stage for stage, _part in self._open)
            self._open.clear()
        elif trace.event == "failed" and trace.level == "error":
            fields = trace.fields
            reason = str(fields.get("reason") or f"{trace.stage}.failed")
            timed_out = reason.endswith(".timeout") or fields.get("kind") == "timeout"
            self.close(
                trace.t,
                TIMED_OUT if timed_out else FAILED,
                reason,
                str(fields.get("message") or ""),
            )

    def close(self, t: float, kind: str, reason: str, message: str) -> None:
        """End every step still under way at `t` (seconds since power on), the boot
        last: the phone failed, or the fleet ended it."""
        for (stage, _part), started in sorted(self._open.items(), key=_boot_last):
            self.failures.append(StepFailure(stage, t - started, kind, reason, message, True))
        self._open.clear()

    @staticmethod
    def _part(stage: str, trace: Trace) -> Any:
        field = _PARALLEL_BY.get(stage)
        return trace.fields.get(field) if field else None


def _boot_last(item: tuple[tuple[str, Any], float]) -> bool:
    return item[0][0] == "boot"


def _step_failure(stage: str, trace: Trace, seconds: float) -> StepFailure:
    fields = trace.fields
    if trace.event == "answer":  # a registrar answered, but not with the TLS-DSK challenge
        message = f"answered {fields.get('status')} {fields.get('reason_phrase') or ''}".strip()
    else:
        message = str(fields.get("error") or fields.get("detail") or fields.get("note") or "")
    timed_out = (
        trace.event == "gave_up"
        or fields.get("kind") == "timeout"
        or fields.get("error") == "timeout"
        or message.startswith("no answer within")
    )
    return StepFailure(
        stage,
        seconds,
        TIMED_OUT if timed_out else FAILED,
        f"{stage}.{trace.event}",
        message,
        False,
    )
