"""Every trace event the phone emits, declared once: its stage, its name, its fields.

The trace is phonesim's one record of a boot: the timeline, the device log,
`trace.jsonl`, the diagnosis, the fleet's step clock and replay all read it.
They refer to these declarations, not to literal strings, so an event renamed
here is renamed for every reader, and a test can hold every emitter and every
reader to the list.

`fields` names what an event may carry; an event carries a subset (optional
fields are left out when they do not apply). Levels: most events are `info`;
those that can be `warning` or `error` say so in `levels`.
"""

from __future__ import annotations

from phonesim.core.stage import Stage
from phonesim.core.trace_endings import (
    FAILED,
    FAILURE_FIELDS,
    STOP_FIELDS,
    STOPPED,
    failed,
    stopped_as_asked,
)
from phonesim.core.trace_event import TraceEvent, TraceLike
from phonesim.core.trace_event import declare as _event

# -- power on ------------------------------------------------------------------------
POWER_ON = _event(
    Stage.BOOT,
    "power_on",
    ("profile", "model", "firmware", "mac", "address", "domain"),
    "the phone powers on: which device, which MAC, where it sits",
)

# -- DHCP (the DHCPINFORM and its answers) ------------------------------------------
DHCP_INFORM_SENT = _event(
    Stage.DHCP,
    "inform_sent",
    ("xid", "attempt", "vendor_class", "requested", "next_wait"),
    "a DHCPINFORM left (first send or a retransmission)",
)
DHCP_ANSWER = _event(
    Stage.DHCP,
    "answer",
    (
        "server",
        "source",
        "option_120",
        "option_120_error",
        "option_120_hex",
        "option_120_encoding",
        "option_43",
        "option_43_error",
        "option_42",
        "vendor_class",
    ),
    "a DHCPACK to the phone's INFORM, decoded",
)
DHCP_ANSWER_MALFORMED = _event(
    Stage.DHCP,
    "answer_malformed",
    ("server", "error"),
    "a DHCP datagram the phone could not read",
    "warning",
)
DHCP_ANSWER_NOT_OURS = _event(
    Stage.DHCP,
    "answer_not_ours",
    ("server", "xid"),
    "a DHCP reply for another transaction",
)
DHCP_ANSWER_IGNORED = _event(
    Stage.DHCP,
    "answer_ignored",
    ("server", "message_type", "why"),
    "an answer the phone looked at and did not use (not an ACK, or another one won)",
)
DHCP_ANSWER_WON = _event(
    Stage.DHCP,
    "answer_won",
    ("server", "registrars", "web_url", "why"),
    "the first answer carrying an FQDN: the phone goes with it",
)
DHCP_ANSWER_WITHOUT_FQDN = _event(
    Stage.DHCP,
    "answer_without_fqdn",
    ("server", "note", "window"),
    "an answer without option 120: the phone waits a while for a better one",
    "warning",
)
DHCP_OPTION_43_TRUNCATED_USED = _event(
    Stage.DHCP,
    "option_43_truncated_used",
    ("server", "url", "note"),
    "option 43 ends inside the CertProv path and the phone uses what arrived",
    "warning",
)
DHCP_GAVE_UP = _event(
    Stage.DHCP,
    "gave_up",
    ("attempts", "note"),
    "no DHCP answer to any INFORM: the phone carries on with DNS",
    "warning",
)

# -- DNS ---------------------------------------------------------------------------
DNS_QUERY = _event(Stage.DNS, "query", ("name", "type"), "a DNS question (SRV or A)")
DNS_ANSWER = _event(
    Stage.DNS,
    "answer",
    ("name", "type", "records", "addresses"),
    "a DNS answer: SRV records or addresses",
)
DNS_NO_ANSWER = _event(
    Stage.DNS,
    "no_answer",
    ("name", "type", "error"),
    "a DNS question with no usable answer",
    "warning",
)
DNS_SRV_TARGET_REJECTED = _event(
    Stage.DNS,
    "srv_target_rejected",
    ("name", "target", "domain", "why"),
    "strict DNS naming: an SRV target outside the domain looked up is not trusted",
    "warning",
)
DNS_REGISTRAR_LOOKUP_DONE = _event(
    Stage.DNS,
    "registrar_lookup_done",
    ("found", "source"),
    "the DNS search for a registrar ended (what it found, and from which name)",
)

# -- discovery (the decision, and the cache) -------------------------------------------
DISCOVERY_CACHE_USED = _event(
    Stage.DISCOVERY,
    "cache_used",
    ("source", "web_url", "registrars", "stored_at", "note"),
    "the discovery cache stands in for DHCP and DNS",
)
DISCOVERY_CACHE_IGNORED = _event(
    Stage.DISCOVERY,
    "cache_ignored",
    ("why", "source", "web_url", "registrars", "stored_at"),
    "the flash holds servers, and this boot does not read them",
)
DISCOVERY_FRESH_PHONE = _event(
    Stage.DISCOVERY,
    "fresh_phone",
    ("why",),
    "the phone starts without a discovery cache, and says why",
)
DISCOVERY_CACHE_STORED = _event(
    Stage.DISCOVERY,
    "cache_stored",
    ("source", "web_url", "registrars", "persisted", "why"),
    "the phone writes its discovery cache (persisted: whether the state folder keeps it)",
)
DISCOVERY_CACHE_DISCARDED = _event(
    Stage.DISCOVERY,
    "cache_discarded",
    ("failed_stage", "cause", "note"),
    "the cached servers failed: the phone forgets them and discovers afresh",
    "warning",
)
DISCOVERY_WAITING_FOR_DNS = _event(
    Stage.DISCOVERY,
    "waiting_for_dns",
    ("why",),
    "DHCP has answered; the decision waits for DNS",
)
DISCOVERY_DECIDED = _event(
    Stage.DISCOVERY,
    "decided",
    ("web_url", "web_source", "registrars", "registrar_source"),
    "the web services URL and the registrar list the phone will use, and where each came from",
)

# -- time ------------------------------------------------------------------------------
TIME_QUERY = _event(Stage.TIME, "query", ("server", "address", "port"), "an SNTP request")
TIME_SYNCHRONIZED = _event(
    Stage.TIME, "synchronized", ("server", "offset"), "the phone's clock set from a time server"
)
TIME_NO_ANSWER = _event(
    Stage.TIME, "no_answer", ("server", "error"), "a time server that did not answer", "warning"
)
TIME_UNSYNCHRONIZED = _event(
    Stage.TIME,
    "unsynchronized",
    ("note",),
    "no time server answered: the phone keeps its own clock",
    "warning",
)

# -- root chain ------------------------------------------------------------------------
ROOTCHAIN_REQUEST = _event(
    Stage.ROOTCHAIN, "request", ("url",), "the root certificate chain asked for over HTTP"
)
ROOTCHAIN_RECEIVED = _event(
    Stage.ROOTCHAIN,
    "received",
    ("url", "certificates"),
    "the root chain, each certificate checked against the phone's clock",
)
ROOTCHAIN_SUPPLIED = _event(
    Stage.ROOTCHAIN,
    "supplied",
    ("source", "certificates"),
    "no root chain fetched: the CA certificates the user supplied (--trust-ca), each "
    "checked against the phone's clock",
)

# -- web ticket and certificate ----------------------------------------------------------
CERTPROV_METADATA_REQUEST = _event(
    Stage.CERTPROV, "metadata_request", ("url",), "the CertProvisioningService's metadata"
)
CERTPROV_METADATA = _event(
    Stage.CERTPROV,
    "metadata",
    ("url", "ports", "auth_address", "web_ticket_service"),
    "where to ask for the certificate, and which service issues its web ticket",
)
WEBTICKET_METADATA_REQUEST = _event(
    Stage.WEBTICKET, "metadata_request", ("url",), "the Web Ticket service's metadata"
)
WEBTICKET_METADATA = _event(
    Stage.WEBTICKET,
    "metadata",
    ("url", "ports", "pin_address"),
    "the Web Ticket service's endpoints, the PIN one among them",
)
WEBTICKET_REQUEST = _event(
    Stage.WEBTICKET,
    "request",
    ("address", "username", "pin_format"),
    "the PIN sent for a web ticket, in the profile's variant of the wire format",
)
WEBTICKET_ISSUED = _event(
    Stage.WEBTICKET, "issued", ("sip_uri", "expires"), "a web ticket, and the user's SIP URI"
)
CERTPROV_REQUEST = _event(
    Stage.CERTPROV,
    "request",
    ("address", "entity", "device_id", "request_id"),
    "GetAndPublishCert with the phone's certificate request",
)
CERTPROV_ISSUED = _event(
    Stage.CERTPROV,
    "issued",
    ("subject", "issuer", "serial", "not_before", "not_after", "valid_on_phone_clock"),
    "the phone's certificate",
)

# -- registrar ----------------------------------------------------------------------------
REGISTRAR_CONNECT = _event(
    Stage.REGISTRAR,
    "connect",
    ("registrar", "address", "transport", "attempt", "of"),
    "a REGISTER to one registrar of the list",
)
REGISTRAR_SKIPPED = _event(
    Stage.REGISTRAR,
    "skipped",
    ("registrar", "why"),
    "a registrar of the list not tried (its name does not resolve)",
    "warning",
)
REGISTRAR_CHALLENGE = _event(
    Stage.REGISTRAR,
    "challenge",
    (
        "registrar",
        "status",
        "reason_phrase",
        "scheme",
        "offered_schemes",
        "sts_uri",
        "realm",
        "target_name",
        "server_certificate",
    ),
    "the registrar's 401 with a TLS-DSK challenge",
)
REGISTRAR_ANSWER = _event(
    Stage.REGISTRAR,
    "answer",
    (*REGISTRAR_CHALLENGE.fields, "retry_after", "error_id", "server_reason"),
    "a registrar's answer that is not a TLS-DSK challenge: the phone tries the next one",
    "warning",
)
REGISTRAR_ATTEMPT_FAILED = _event(
    Stage.REGISTRAR,
    "failed",
    ("registrar", "address", "kind", "detail"),
    "one registrar attempt that failed (connection, TLS, timeout); the boot goes on",
    "warning",
)
REGISTRAR_CHALLENGE_REACHED = _event(
    Stage.REGISTRAR,
    "challenge_reached",
    ("web_url", "registrar", "sip_uri"),
    "the end of a boot asked to stop after the registrar's TLS-DSK challenge (not a sign-in)",
)

# -- the TLS-DSK sign-in ----------------------------------------------------------------
TLSDSK_HANDSHAKE_ROUND = _event(
    Stage.TLSDSK,
    "handshake_round",
    ("registrar", "round", "cseq"),
    "a REGISTER carrying the phone's next flight of the inner TLS handshake",
)
TLSDSK_HANDSHAKE_COMPLETE = _event(
    Stage.TLSDSK,
    "handshake_complete",
    ("registrar", "rounds", "version", "cipher"),
    "the inner TLS handshake is done: a security association, and the phone's REGISTER "
    "signed with its key",
)
TLSDSK_REGISTERED = _event(
    Stage.TLSDSK,
    "registered",
    (
        "registrar",
        "status",
        "expires",
        "keep_alive",
        "sa_expires",
        "gruu",
        "allow_events",
        "handshakes",
    ),
    "the registrar's 200 OK, its signature verified: the phone is registered",
)
TLSDSK_REDIRECTED = _event(
    Stage.TLSDSK,
    "redirected",
    ("registrar", "to", "transport", "hop", "status", "expires"),
    "a Director's signed 301 to the signed REGISTER: the phone signs in again at the home "
    "pool it names (registrar: where the 301 came from; hop: 1 for the first redirect)",
)
TLSDSK_SIGNED_IN = _event(
    Stage.TLSDSK,
    "signed_in",
    ("web_url", "registrar", "sip_uri"),
    "the end of a boot that signed in: TLS-DSK and a verified 200 OK",
)

# -- in-band provisioning and the further subscriptions ----------------------------------
PROVISIONING_REQUESTED = _event(
    Stage.PROVISIONING,
    "requested",
    ("registrar", "groups", "cseq"),
    "the in-band provisioning SUBSCRIBE (vnd-microsoft-provisioning-v2) left, signed",
)
PROVISIONING_RECEIVED = _event(
    Stage.PROVISIONING,
    "received",
    (
        "registrar",
        "status",
        "groups",
        "pool",
        "backup_pool",
        "mras_uri",
        "location_profile",
        "uc_policy",
    ),
    "the registrar's signed 200 with the provisioning groups piggybacked, and what the "
    "phone keeps of them",
)
SUBSCRIPTION_SENT = _event(
    Stage.PROVISIONING,
    "subscription_sent",
    ("event", "expires"),
    "a further self-SUBSCRIBE left, signed",
)
SUBSCRIPTION_ANSWERED = _event(
    Stage.PROVISIONING,
    "subscription_answered",
    ("event", "status", "expires"),
    "the registrar's signed 2xx to a further SUBSCRIBE",
)
SUBSCRIPTION_REFUSED = _event(
    Stage.PROVISIONING,
    "subscription_refused",
    ("event", "status", "why"),
    "the registrar refused a further SUBSCRIBE (489 Bad Event...): the phone is signed in "
    "all the same, without what it asked for",
    "warning",
)
SUBSCRIPTION_SKIPPED = _event(
    Stage.PROVISIONING,
    "subscription_skipped",
    ("event", "why"),
    "a subscription the profile asks for that the phone did not send, and why",
)
PROVISIONING_SIGNED_IN = _event(
    Stage.PROVISIONING,
    "signed_in",
    ("web_url", "registrar", "sip_uri"),
    "the end of a boot that signed in and was provisioned: TLS-DSK, a verified 200 OK, "
    "in-band provisioning",
)

# -- a phone held registered ---------------------------------------------------------------
HELD_BEGAN = _event(
    Stage.HELD,
    "began",
    ("registrar", "hold", "expires", "keep_alive", "next_refresh", "sa_renew"),
    "the phone stays registered for the hold asked for, on the session's own timers",
)
HELD_REREGISTERING = _event(
    Stage.HELD,
    "reregistering",
    ("registrar", "why"),
    "a held phone's REGISTER left on its own timer: `refresh` (signed, before Expires), "
    "`new_association` (a fresh challenge: the association's renewal) or `sign_out` "
    "(Expires 0); the start of the step its answer ends",
)
HELD_REFRESHED = _event(
    Stage.HELD,
    "refreshed",
    ("registrar", "expires", "refreshes", "keep_alives", "next_refresh"),
    "a signed re-REGISTER before Expires, answered with a verified 200 OK (keep-alives are "
    "counted here, not traced one by one)",
)
HELD_REHANDSHAKED = _event(
    Stage.HELD,
    "rehandshaked",
    ("registrar", "handshakes", "sa_expires", "next_refresh", "cause"),
    "a new security association (a fresh challenge and handshake) and its verified 200 OK; "
    "cause: association_ending (the phone's own timer) or registrar_forgot (a refresh "
    "answered 401)",
)
HELD_RESUBSCRIBED = _event(
    Stage.HELD,
    "resubscribed",
    ("event", "status", "expires"),
    "a subscription renewed before its Expires",
)
HELD_SIGNED_OUT = _event(
    Stage.HELD,
    "signed_out",
    (
        "web_url",
        "registrar",
        "sip_uri",
        "hold",
        "began_at",
        "held_for",
        "cut_short_by",
        "refreshes",
        "keep_alives",
        "rehandshakes",
        "resubscriptions",
        "signed_out",
    ),
    "the end of a held boot: the REGISTER with Expires 0 answered, and what the hold did",
)

# -- what the phone did not expect --------------------------------------------------------
BOOT_EVENT_IGNORED = _event(
    Stage.BOOT,
    "event_ignored",
    ("event", "about", "why"),
    "something arrived that nothing in the phone waits for (an answer after the phone "
    "stopped waiting, a DHCP answer after it stopped listening): recorded, not acted on",
    "warning",
)

DECLARED: tuple[TraceEvent, ...] = (
    *(value for value in tuple(globals().values()) if isinstance(value, TraceEvent)),
    *STOPPED.values(),
    *FAILED.values(),
)
"""Every event the phone may emit. `registrar.failed` is declared twice, told apart by
level: one registrar attempt (warning) and the boot's end (error)."""

_BY_KEY: dict[str, list[TraceEvent]] = {}
for _declared in DECLARED:
    _BY_KEY.setdefault(_declared.key, []).append(_declared)


def declared(stage: str, name: str, level: str = "info") -> TraceEvent | None:
    """The declaration an emitted (stage, event, level) answers to, or None."""
    for event in _BY_KEY.get(f"{stage}.{name}", ()):
        if level in event.levels:
            return event
    return None


__all__ = [
    "DECLARED",
    "FAILED",
    "FAILURE_FIELDS",
    "STOPPED",
    "STOP_FIELDS",
    "TraceEvent",
    "TraceLike",
    "declared",
    "failed",
    "stopped_as_asked",
]
