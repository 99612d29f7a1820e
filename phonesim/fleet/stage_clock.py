"""One phone's step latencies, read off its trace as it boots.

Only the start times of steps under way are kept (a few floats per phone), so
a fleet measures every phone without keeping any phone's trace.
"""

from __future__ import annotations

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
certificate, each registrar attempt, and the whole boot (power on to signed in)."""

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
    "registrar.challenge_reached": "boot",
    "dhcp.stopped_as_asked": "boot",
    "discovery.stopped_as_asked": "boot",
    "time.stopped_as_asked": "boot",
    "rootchain.stopped_as_asked": "boot",
    "webticket.stopped_as_asked": "boot",
    "certprov.stopped_as_asked": "boot",
}
# Steps that can run side by side in one phone are told apart by this field.
_PARALLEL_BY = {"dns": "name", "registrar": "registrar"}

# Looked up by (stage, event), so no string is built per trace.
_START_KEYS: dict[tuple[str, str], str] = {
    (key.partition(".")[0], key.partition(".")[2]): stage for key, stage in _STARTS.items()
}
_END_KEYS: dict[tuple[str, str], str] = {
    (key.partition(".")[0], key.partition(".")[2]): stage for key, stage in _ENDS.items()
}


class StageClock:
    __slots__ = ("_open", "current_stage", "samples")

    def __init__(self) -> None:
        self._open: dict[tuple[str, Any], float] = {}
        self.samples: list[tuple[str, float]] = []
        """(stage, seconds) for every step that completed."""
        self.current_stage = "boot"

    def observe(self, trace: Trace) -> None:
        self.current_stage = trace.stage
        key = (trace.stage, trace.event)
        stage = _START_KEYS.get(key)
        if stage is not None:
            self._open.setdefault((stage, self._part(stage, trace)), trace.t)
            return
        stage = _END_KEYS.get(key)
        if stage is not None:
            started = self._open.pop((stage, self._part(stage, trace)), None)
            if started is not None:
                self.samples.append((stage, trace.t - started))

    @staticmethod
    def _part(stage: str, trace: Trace) -> Any:
        field = _PARALLEL_BY.get(stage)
        return trace.fields.get(field) if field else None
