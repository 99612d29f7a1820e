"""A boot's trace, indexed for the questions diagnosis rules ask.

Rules read the trace only (never the core's objects), so a run folder's
`trace.jsonl` can be diagnosed long after the boot, by the same rules. They ask
for events by their declarations (`core/trace_schema`) and name the reason a
boot ended with by `core/failure_reasons`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from phonesim.core import trace_schema as ts
from phonesim.core.failure_reasons import Reason, reason_named
from phonesim.core.stage import Stage
from phonesim.core.trace_schema import TraceEvent
from phonesim.diagnosis.declared_fields import DeclaredFields, declared_field, fields_of
from phonesim.diagnosis.discovery_sources import web_derived


class TraceLike(Protocol):
    @property
    def t(self) -> float: ...
    @property
    def stage(self) -> str: ...
    @property
    def event(self) -> str: ...
    @property
    def fields(self) -> dict[str, Any]: ...
    @property
    def level(self) -> str: ...


@dataclass(frozen=True)
class Step:
    t: float
    stage: str
    event: str
    fields: dict[str, Any]
    level: str = "info"

    @property
    def key(self) -> str:
        return f"{self.stage}.{self.event}"


_ENDING_NAME = ts.failed(Stage.DHCP).name
"""Every stage's end of a failed boot has this name (and level error)."""
_LEGACY_SIGNED_IN = ("registrar", "signed_in")
"""What older run folders call `registrar.challenge_reached`: `--from-run` reads them too."""


class BootRecord:
    def __init__(self, traces: Iterable[TraceLike]) -> None:
        self.steps = [Step(t.t, t.stage, t.event, dict(t.fields), t.level) for t in traces]

    # -- lookups ----------------------------------------------------------------

    def all(self, event: TraceEvent) -> list[Step]:
        return list(self._matching(event))

    def first(self, event: TraceEvent) -> Step | None:
        return next(self._matching(event), None)

    def last(self, event: TraceEvent) -> Step | None:
        found = None
        for step in self._matching(event):
            found = step
        return found

    def _matching(self, event: TraceEvent) -> Iterator[Step]:
        return (step for step in self.steps if event.matches(step))

    # -- what the boot came to ------------------------------------------------------

    @property
    def failure(self) -> Step | None:
        """The `failed` step that ended the boot, if it failed."""
        return next(
            (s for s in reversed(self.steps) if s.event == _ENDING_NAME and s.level == "error"),
            None,
        )

    @property
    def failure_fields(self) -> DeclaredFields | None:
        """The ending's fields, as the failed stage declares them (any stage's, for a stage
        that declares no failure: an older run folder's)."""
        failure = self.failure
        if failure is None:
            return None
        declared = ts.FAILED.get(Stage(failure.stage)) if failure.stage in _STAGES else None
        return DeclaredFields(declared or ts.failed(Stage.DHCP), failure.fields)

    @property
    def reason(self) -> str | None:
        failure = self.failure
        return None if failure is None else str(failure.fields.get(_REASON))

    @property
    def ending(self) -> Reason | None:
        """The declared reason the boot ended with (None: it did not fail, or an undeclared
        reason of an older phonesim)."""
        return reason_named(self.reason)

    def ended_with(self, *reasons: Reason) -> bool:
        reason = self.reason
        return any(declared.matches(reason) for declared in reasons)

    @property
    def reached_registrar(self) -> Step | None:
        """The boot ended well at or after the registrar's TLS-DSK challenge: signed in, or
        stopped at the challenge as asked. Both ends name the registrar."""
        for end in (
            ts.HELD_SIGNED_OUT,
            ts.PROVISIONING_SIGNED_IN,
            ts.TLSDSK_SIGNED_IN,
            ts.REGISTRAR_CHALLENGE_REACHED,
        ):
            reached = self.last(end)
            if reached is not None:
                return reached
        legacy = [s for s in self.steps if (s.stage, s.event) == _LEGACY_SIGNED_IN]
        return legacy[-1] if legacy else None

    @property
    def decided(self) -> Step | None:
        return self.last(ts.DISCOVERY_DECIDED)

    @property
    def chosen_answer(self) -> Step | None:
        """The DHCP answer the phone went with: the winner, else the first without an FQDN."""
        won = self.first(ts.DHCP_ANSWER_WON)
        server = None
        if won is not None:
            server = fields_of(ts.DHCP_ANSWER_WON, won).get("server")
        else:
            waiting = self.first(ts.DHCP_ANSWER_WITHOUT_FQDN)
            if waiting is not None:
                server = fields_of(ts.DHCP_ANSWER_WITHOUT_FQDN, waiting).get("server")
        if server is None:
            return None
        return next(
            (
                a
                for a in self.all(ts.DHCP_ANSWER)
                if fields_of(ts.DHCP_ANSWER, a).get("server") == server
            ),
            None,
        )

    @property
    def web_url_guessed(self) -> bool:
        decided = self.decided
        return decided is not None and web_derived(
            fields_of(ts.DISCOVERY_DECIDED, decided).get("web_source")
        )

    @property
    def used_cache(self) -> bool:
        return self.first(ts.DISCOVERY_CACHE_USED) is not None


_STAGES = frozenset(Stage)
_REASON = declared_field(ts.failed(Stage.DHCP), "reason")
