"""A boot's trace, indexed for the questions diagnosis rules ask.

Rules read the trace only (never the core's objects), so a run folder's
`trace.jsonl` can be diagnosed long after the boot, by the same rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

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


class BootRecord:
    def __init__(self, traces: Iterable[TraceLike]) -> None:
        self.steps = [Step(t.t, t.stage, t.event, dict(t.fields), t.level) for t in traces]

    # -- lookups ----------------------------------------------------------------

    def all(self, key: str) -> list[Step]:
        return [step for step in self.steps if step.key == key]

    def first(self, key: str) -> Step | None:
        return next(self._matching(key), None)

    def last(self, key: str) -> Step | None:
        found = None
        for step in self._matching(key):
            found = step
        return found

    def _matching(self, key: str) -> Iterator[Step]:
        return (step for step in self.steps if step.key == key)

    # -- what the boot came to ------------------------------------------------------

    @property
    def failure(self) -> Step | None:
        """The `failed` step that ended the boot, if it failed."""
        return next(
            (s for s in reversed(self.steps) if s.event == "failed" and s.level == "error"), None
        )

    @property
    def reason(self) -> str | None:
        failure = self.failure
        return None if failure is None else str(failure.fields.get("reason"))

    @property
    def reached_registrar(self) -> Step | None:
        """The registrar's TLS-DSK challenge was reached (the furthest a boot goes today).

        Older run folders name this step `registrar.signed_in`; `--from-run` reads them too.
        """
        return self.last("registrar.challenge_reached") or self.last("registrar.signed_in")

    @property
    def decided(self) -> Step | None:
        return self.last("discovery.decided")

    @property
    def chosen_answer(self) -> Step | None:
        """The DHCP answer the phone went with: the winner, else the first without an FQDN."""
        won = self.first("dhcp.answer_won")
        server = None
        if won is not None:
            server = won.fields.get("server")
        else:
            waiting = self.first("dhcp.answer_without_fqdn")
            if waiting is not None:
                server = waiting.fields.get("server")
        if server is None:
            return None
        return next((a for a in self.all("dhcp.answer") if a.fields.get("server") == server), None)

    @property
    def web_url_guessed(self) -> bool:
        decided = self.decided
        return decided is not None and web_derived(decided.fields.get("web_source"))

    @property
    def used_cache(self) -> bool:
        return self.first("discovery.cache_used") is not None
