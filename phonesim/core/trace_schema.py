"""Every trace event the phone emits, declared once: its stage, its name, its fields.

The trace is phonesim's one record of a boot: the timeline, the device log,
`trace.jsonl`, the diagnosis, the fleet's step clock and replay all read it.
They refer to these declarations, not to literal strings, so an event renamed
here is renamed for every reader, and a test can hold every emitter and every
reader to the list.

`fields` names what an event may carry; an event carries a subset (optional
fields are left out when they do not apply). Levels: most events are `info`;
those that can be `warning` or `error` say so in `levels`.

The declarations live by stage, each group in a module of its own (`trace_boot`,
`trace_discovery`, `trace_web_services`, `trace_sign_in`, and the boot's endings in
`trace_endings`); this module is the one list of them all, and the one name the readers
import (`from phonesim.core import trace_schema as ts`), so a reader never needs to know
which group declares an event.
"""

from __future__ import annotations

from types import ModuleType

from phonesim.core import (
    trace_boot,
    trace_bringup,
    trace_discovery,
    trace_endings,
    trace_sign_in,
    trace_web_services,
)
from phonesim.core.trace_boot import BOOT_EVENT_IGNORED, POWER_ON
from phonesim.core.trace_bringup import (
    DHCP_DOMAIN_FROM_ACK,
    LEASE_ACKED,
    LEASE_ANSWER_IGNORED,
    LEASE_DISCOVER_SENT,
    LEASE_GAVE_UP,
    LEASE_KEPT_FROM_QUERY,
    LEASE_NAK,
    LEASE_OFFERED,
    LEASE_OPTION_MISSING,
    LEASE_RELEASED,
    LEASE_REQUEST_SENT,
    LEASE_VALUES,
    LLDP_LISTENING,
    LLDP_POLICY_IGNORED,
    LLDP_SILENT,
    LLDP_VOICE_VLAN,
    VLAN_GIVEN,
    VLAN_JOINED,
    VLAN_NOT_GIVEN,
    VLAN_QUERY_SKIPPED,
)
from phonesim.core.trace_discovery import (
    DHCP_ANSWER,
    DHCP_ANSWER_IGNORED,
    DHCP_ANSWER_MALFORMED,
    DHCP_ANSWER_NOT_OURS,
    DHCP_ANSWER_WITHOUT_FQDN,
    DHCP_ANSWER_WON,
    DHCP_GAVE_UP,
    DHCP_INFORM_SENT,
    DHCP_OPTION_43_TRUNCATED_USED,
    DISCOVERY_CACHE_DISCARDED,
    DISCOVERY_CACHE_HELD,
    DISCOVERY_CACHE_IGNORED,
    DISCOVERY_CACHE_STORED,
    DISCOVERY_CACHE_UNUSABLE,
    DISCOVERY_CACHE_USED,
    DISCOVERY_DECIDED,
    DISCOVERY_FRESH_PHONE,
    DISCOVERY_WAITING_FOR_DNS,
    DNS_ANSWER,
    DNS_NO_ANSWER,
    DNS_QUERY,
    DNS_REGISTRAR_LOOKUP_DONE,
    DNS_SRV_TARGET_REJECTED,
    DNS_UPDATE_SERVER,
    TIME_NO_ANSWER,
    TIME_QUERY,
    TIME_SYNCHRONIZED,
    TIME_UNSYNCHRONIZED,
)
from phonesim.core.trace_endings import (
    FAILED,
    FAILURE_FIELDS,
    HELD_SIGNED_OUT,
    PROVISIONING_SIGNED_IN,
    REACHED,
    REGISTRAR_CHALLENGE_REACHED,
    STOP_FIELDS,
    STOPPED,
    TLSDSK_SIGNED_IN,
    failed,
    stopped_as_asked,
)
from phonesim.core.trace_event import TraceEvent, TraceLike
from phonesim.core.trace_sign_in import (
    HELD_BEGAN,
    HELD_REFRESHED,
    HELD_REHANDSHAKED,
    HELD_REREGISTERING,
    HELD_RESUBSCRIBED,
    PROVISIONING_RECEIVED,
    PROVISIONING_REQUESTED,
    REGISTRAR_ANSWER,
    REGISTRAR_ATTEMPT_FAILED,
    REGISTRAR_CHALLENGE,
    REGISTRAR_CONNECT,
    REGISTRAR_POOL_SUFFIX_MISMATCH,
    REGISTRAR_SKIPPED,
    SUBSCRIPTION_ANSWERED,
    SUBSCRIPTION_REFUSED,
    SUBSCRIPTION_SENT,
    SUBSCRIPTION_SKIPPED,
    TLSDSK_HANDSHAKE_COMPLETE,
    TLSDSK_HANDSHAKE_ROUND,
    TLSDSK_REDIRECTED,
    TLSDSK_REGISTERED,
)
from phonesim.core.trace_web_services import (
    CERTPROV_ISSUED,
    CERTPROV_METADATA,
    CERTPROV_METADATA_REQUEST,
    CERTPROV_REQUEST,
    ROOTCHAIN_RECEIVED,
    ROOTCHAIN_REQUEST,
    ROOTCHAIN_SUPPLIED,
    WEBTICKET_CACHED_CERTIFICATE_EXPIRED,
    WEBTICKET_CACHED_CERTIFICATE_REFUSED,
    WEBTICKET_ISSUED,
    WEBTICKET_METADATA,
    WEBTICKET_METADATA_REQUEST,
    WEBTICKET_REQUEST,
    WEBTICKET_SKIPPED,
)

GROUPS: tuple[ModuleType, ...] = (
    trace_boot,
    trace_bringup,
    trace_discovery,
    trace_web_services,
    trace_sign_in,
    trace_endings,
)
"""The modules that declare events, by stage."""


def _declared_in(namespace: dict[str, object]) -> list[TraceEvent]:
    return [value for value in namespace.values() if isinstance(value, TraceEvent)]


DECLARED: tuple[TraceEvent, ...] = tuple(
    dict.fromkeys(
        [
            *(event for group in GROUPS for event in _declared_in(vars(group))),
            *STOPPED.values(),
            *FAILED.values(),
            # An event declared here directly is still one of the list.
            *_declared_in(dict(globals())),
        ]
    )
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
    "BOOT_EVENT_IGNORED",
    "CERTPROV_ISSUED",
    "CERTPROV_METADATA",
    "CERTPROV_METADATA_REQUEST",
    "CERTPROV_REQUEST",
    "DECLARED",
    "DHCP_ANSWER",
    "DHCP_ANSWER_IGNORED",
    "DHCP_ANSWER_MALFORMED",
    "DHCP_ANSWER_NOT_OURS",
    "DHCP_ANSWER_WITHOUT_FQDN",
    "DHCP_ANSWER_WON",
    "DHCP_DOMAIN_FROM_ACK",
    "DHCP_GAVE_UP",
    "DHCP_INFORM_SENT",
    "DHCP_OPTION_43_TRUNCATED_USED",
    "DISCOVERY_CACHE_DISCARDED",
    "DISCOVERY_CACHE_HELD",
    "DISCOVERY_CACHE_IGNORED",
    "DISCOVERY_CACHE_STORED",
    "DISCOVERY_CACHE_UNUSABLE",
    "DISCOVERY_CACHE_USED",
    "DISCOVERY_DECIDED",
    "DISCOVERY_FRESH_PHONE",
    "DISCOVERY_WAITING_FOR_DNS",
    "DNS_ANSWER",
    "DNS_NO_ANSWER",
    "DNS_QUERY",
    "DNS_REGISTRAR_LOOKUP_DONE",
    "DNS_SRV_TARGET_REJECTED",
    "DNS_UPDATE_SERVER",
    "FAILED",
    "FAILURE_FIELDS",
    "GROUPS",
    "HELD_BEGAN",
    "HELD_REFRESHED",
    "HELD_REHANDSHAKED",
    "HELD_REREGISTERING",
    "HELD_RESUBSCRIBED",
    "HELD_SIGNED_OUT",
    "LEASE_ACKED",
    "LEASE_ANSWER_IGNORED",
    "LEASE_DISCOVER_SENT",
    "LEASE_GAVE_UP",
    "LEASE_KEPT_FROM_QUERY",
    "LEASE_NAK",
    "LEASE_OFFERED",
    "LEASE_OPTION_MISSING",
    "LEASE_RELEASED",
    "LEASE_REQUEST_SENT",
    "LEASE_VALUES",
    "LLDP_LISTENING",
    "LLDP_POLICY_IGNORED",
    "LLDP_SILENT",
    "LLDP_VOICE_VLAN",
    "POWER_ON",
    "PROVISIONING_RECEIVED",
    "PROVISIONING_REQUESTED",
    "PROVISIONING_SIGNED_IN",
    "REACHED",
    "REGISTRAR_ANSWER",
    "REGISTRAR_ATTEMPT_FAILED",
    "REGISTRAR_CHALLENGE",
    "REGISTRAR_CHALLENGE_REACHED",
    "REGISTRAR_CONNECT",
    "REGISTRAR_POOL_SUFFIX_MISMATCH",
    "REGISTRAR_SKIPPED",
    "ROOTCHAIN_RECEIVED",
    "ROOTCHAIN_REQUEST",
    "ROOTCHAIN_SUPPLIED",
    "STOPPED",
    "STOP_FIELDS",
    "SUBSCRIPTION_ANSWERED",
    "SUBSCRIPTION_REFUSED",
    "SUBSCRIPTION_SENT",
    "SUBSCRIPTION_SKIPPED",
    "TIME_NO_ANSWER",
    "TIME_QUERY",
    "TIME_SYNCHRONIZED",
    "TIME_UNSYNCHRONIZED",
    "TLSDSK_HANDSHAKE_COMPLETE",
    "TLSDSK_HANDSHAKE_ROUND",
    "TLSDSK_REDIRECTED",
    "TLSDSK_REGISTERED",
    "TLSDSK_SIGNED_IN",
    "VLAN_GIVEN",
    "VLAN_JOINED",
    "VLAN_NOT_GIVEN",
    "VLAN_QUERY_SKIPPED",
    "WEBTICKET_CACHED_CERTIFICATE_EXPIRED",
    "WEBTICKET_CACHED_CERTIFICATE_REFUSED",
    "WEBTICKET_ISSUED",
    "WEBTICKET_METADATA",
    "WEBTICKET_METADATA_REQUEST",
    "WEBTICKET_REQUEST",
    "WEBTICKET_SKIPPED",
    "TraceEvent",
    "TraceLike",
    "declared",
    "failed",
    "stopped_as_asked",
]
