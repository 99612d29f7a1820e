"""The events of signing in and staying signed in: the registrar, TLS-DSK, in-band
provisioning and the hold.

The SIP stages, one connection to the registrar; how each of them ends a boot is declared
with the other endings in `phonesim.core.trace_endings`, and `phonesim.core.trace_schema`
lists every declaration.
"""

from __future__ import annotations

from phonesim.core.stage import Stage
from phonesim.core.trace_event import declare as _event

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
REGISTRAR_POOL_SUFFIX_MISMATCH = _event(
    Stage.REGISTRAR,
    "pool_suffix_mismatch",
    ("registrar", "sip_uri", "sip_domain", "why"),
    "a registrar of the list not tried: its pool FQDN is not in the user's SIP domain "
    '(seed 002: "The pool FQDN suffix must match the user\'s SIP URI")',
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
