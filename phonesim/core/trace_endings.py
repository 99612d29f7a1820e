"""How a boot ends, at any stage: the `stopped_as_asked` and `failed` events, declared per
stage with the fields they carry (part of `phonesim.core.trace_schema`, which lists them)."""

from __future__ import annotations

from collections.abc import Mapping

from phonesim.core.stage import Stage
from phonesim.core.trace_event import TraceEvent

STOP_FIELDS = frozenset({"web_url", "registrar", "sip_uri", "not_begun", "discovery_cache_used"})
FAILURE_FIELDS = frozenset(
    {
        "reason",
        "message",
        # Evidence a failure carries, by stage (see the emitting stage):
        "url",
        "kind",
        "detail",
        "http_status",
        "error_id",
        "server_reason",
        "server_certificate",
        "address",
        "host",
        "subject",
        "not_before",
        "not_after",
        "phone_time",
        "trust_ca",
        "ports",
        "tried",
        "registrar_source",
        "dhcp_answers",
        # The TLS-DSK sign-in's (phonesim.core.tls_dsk):
        "registrar",
        "phase",
        "cseq",
        "status",
        "what",
        "tls_reason",
        "verify_error",
        "alert",
        "check",
        "snum",
        # Provisioning's and a held phone's:
        "event",
        "hold",
        "began_at",
        "held_for",
        "cut_short_by",
        "refreshes",
        "keep_alives",
        "rehandshakes",
        "resubscriptions",
        "signed_out",
        # A Director's redirects, and a registrar that is busy:
        "chain",
        "contact",
        "max_redirects",
        "retry_after",
    }
)


def stopped_as_asked(stage: Stage) -> TraceEvent:
    """The end of a boot asked to stop after `stage` (`--stop-after`, `fleet --stage`)."""
    return STOPPED[stage]


def failed(stage: Stage) -> TraceEvent:
    """The end of a boot that failed at `stage`; `reason` is `<stage>.<cause>`."""
    return FAILED[stage]


STOPPED: Mapping[Stage, TraceEvent] = {
    stage: TraceEvent(stage, "stopped_as_asked", STOP_FIELDS, f"stopped after {stage}, as asked")
    for stage in (
        Stage.DHCP,
        Stage.DISCOVERY,
        Stage.TIME,
        Stage.ROOTCHAIN,
        Stage.WEBTICKET,
        Stage.CERTPROV,
    )
}
FAILED: Mapping[Stage, TraceEvent] = {
    stage: TraceEvent(
        stage, "failed", FAILURE_FIELDS, f"the boot failed at {stage}", frozenset({"error"})
    )
    for stage in (
        Stage.DHCP,
        Stage.DISCOVERY,
        Stage.ROOTCHAIN,
        Stage.WEBTICKET,
        Stage.CERTPROV,
        Stage.REGISTRAR,
        Stage.TLSDSK,
        Stage.PROVISIONING,
        Stage.HELD,
    )
}


__all__ = [
    "FAILED",
    "FAILURE_FIELDS",
    "STOPPED",
    "STOP_FIELDS",
    "failed",
    "stopped_as_asked",
]
