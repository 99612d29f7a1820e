"""How a boot ends: failed at a stage, stopped after it as asked, or gone as far as asked at
a stage with an ending of its own (the registrar's challenge reached, signed in, signed in
and provisioned, a hold signed out).

Every boot ends in exactly one of these events, and the conductor (`phonesim.core.phone`)
picks it from the tables here by the stage the boot was asked to stop after, so the
endings sit together, apart from the events of the stages' work (part of
`phonesim.core.trace_schema`, which lists them all).
"""

from __future__ import annotations

from collections.abc import Mapping

from phonesim.core.stage import Stage
from phonesim.core.trace_event import TraceEvent
from phonesim.core.trace_event import declare as _event

HOLD_FIELDS = (
    "hold",
    "began_at",
    "held_for",
    "cut_short_by",
    "refreshes",
    "keep_alives",
    "rehandshakes",
    "resubscriptions",
    "signed_out",
)
"""What a hold did, carried by its end: signed out, or failed while held."""
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
        "sip_uri",
        "sip_domain",
        "registrar_source",
        "dhcp_answers",
        # The lease's:
        "vlan",
        "attempts",
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
        *HOLD_FIELDS,
        # A Director's redirects, and a registrar that is busy:
        "chain",
        "contact",
        "max_redirects",
        "retry_after",
        # A web service that refused the message's security, and the clocks on each side:
        "fault_code",
        "pool_time",
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
        Stage.LEASE,
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
        Stage.LEASE,
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

REGISTRAR_CHALLENGE_REACHED = _event(
    Stage.REGISTRAR,
    "challenge_reached",
    ("web_url", "registrar", "sip_uri"),
    "the end of a boot asked to stop after the registrar's TLS-DSK challenge (not a sign-in)",
)

TLSDSK_SIGNED_IN = _event(
    Stage.TLSDSK,
    "signed_in",
    ("web_url", "registrar", "sip_uri"),
    "the end of a boot that signed in: TLS-DSK and a verified 200 OK",
)

PROVISIONING_SIGNED_IN = _event(
    Stage.PROVISIONING,
    "signed_in",
    ("web_url", "registrar", "sip_uri"),
    "the end of a boot that signed in and was provisioned: TLS-DSK, a verified 200 OK, "
    "in-band provisioning",
)

HELD_SIGNED_OUT = _event(
    Stage.HELD,
    "signed_out",
    ("web_url", "registrar", "sip_uri", *HOLD_FIELDS),
    "the end of a held boot: the REGISTER with Expires 0 answered, and what the hold did",
)

REACHED: Mapping[Stage, TraceEvent] = {
    Stage.REGISTRAR: REGISTRAR_CHALLENGE_REACHED,
    Stage.TLSDSK: TLSDSK_SIGNED_IN,
    Stage.PROVISIONING: PROVISIONING_SIGNED_IN,
}
"""The end of a boot that went as far as asked, at a stage with an ending of its own (every
other stage it may stop after ends in `STOPPED`); a held boot ends in `HELD_SIGNED_OUT`."""


__all__ = [
    "FAILED",
    "FAILURE_FIELDS",
    "HELD_SIGNED_OUT",
    "PROVISIONING_SIGNED_IN",
    "REACHED",
    "REGISTRAR_CHALLENGE_REACHED",
    "STOPPED",
    "STOP_FIELDS",
    "TLSDSK_SIGNED_IN",
    "failed",
    "stopped_as_asked",
]
