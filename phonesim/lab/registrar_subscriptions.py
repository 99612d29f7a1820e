"""The registrar's answers to a signed-in phone's SUBSCRIBEs: in-band provisioning and
the roaming subscriptions (`tls-dsk.md` §3.2-3.3).

The provisioning answer is the one [MS-SIPREGE] §4.2.2 shows: `200 OK` with
`Event`, `Expires: 0` and `subscription-state: terminated;expires=0` (the
subscription establishes no dialog), `ms-piggyback-cseq`, and the groups in the
body since the phone sent `Supported: ms-piggyback-first-notify`. A request
whose Accept is not the provisioning type gets the 406 §2.2.2.1 says a server
SHOULD send. What the groups hold is lab data (`LabProvisioning`): the pool as
`poolUri`, a `ucPolicy` and a `ServerConfiguration` with the phone properties
of §3.3; the lab's MRAS URI is left out unless asked for, since a client that
finds one goes to fetch media relay credentials (pidgin-sipe does).

Any other event the registrar allows is granted for `subscription_expires`
seconds with a minimal valid document; one it does not allow is `489 Bad
Event`. Signing is the caller's (`TlsDskRegistrar`): every answer here is a
final answer under an association.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from phonesim.codec.provisioning_xml import (
    CONTENT_TYPE,
    MalformedProvisioning,
    format_answer,
    requested_groups,
)
from phonesim.codec.sip_message import SipRequest

PROVISIONING_EVENT = "vnd-microsoft-provisioning-v2"
PHONE_PROPERTIES: Mapping[str, str] = MappingProxyType(
    {
        "ucEnforcePinLock": "false",
        "ucMinPinLength": "6",
        "ucPhoneTimeOut": "10",
        "ucExchangeMWIPoll": "false",
        "ucEnableSIPSecurityMode": "Low",
        "ucEnableUserLogging": "false",
        "loggingLevel": "Off",
        "ucDiffServVoice": "46",
        "ucVoice802_1p": "0",
        "updatesServerEnabled": "false",
    }
)
"""`ServerConfiguration`'s phone properties (§3.3; CsUCPhoneConfiguration's defaults)."""
UC_POLICY: Mapping[str, str] = MappingProxyType(
    {
        "EnableCallTransfer": "true",
        "EnableCallPark": "false",
        "EnableDelegation": "true",
        "EnableTeamCall": "true",
        "AllowSimultaneousRinging": "true",
    }
)
MINIMAL_BODIES: Mapping[str, bytes] = MappingProxyType(
    {
        "vnd-microsoft-roaming-contacts": b'<contactList deltaNum="1" '
        b'xmlns="http://schemas.microsoft.com/2006/09/sip/roaming-contacts"/>',
        "vnd-microsoft-roaming-self": b'<roamingData xmlns="http://schemas.microsoft.com/2006/09/'
        b'sip/roaming-self"><categories/><containers/><subscribers/></roamingData>',
    }
)


@dataclass(frozen=True)
class LabProvisioning:
    """What the lab's pool provisions a phone with."""

    pool_fqdn: str
    location_profile: str = "DefaultProfile"
    server_configuration: Mapping[str, str] = field(default_factory=lambda: PHONE_PROPERTIES)
    uc_policy: Mapping[str, str] = field(default_factory=lambda: UC_POLICY)
    mras_uri: str | None = None
    """Left out by default: a client that finds one asks the Media Relay for credentials."""
    subscription_expires: int = 3600
    backup_pool_fqdn: str | None = None
    """The backup registrar pool, as `backupPoolUri` [U]: a phone keeps it beside its pool."""

    def groups(self, asked: tuple[str, ...]) -> dict[str, Mapping[str, str]]:
        """The groups asked for that the lab has something for, in the order asked."""
        server: dict[str, str] = {
            "poolUri": self.pool_fqdn,
            "ucLocationProfile": self.location_profile,
            **self.server_configuration,
        }
        if self.mras_uri is not None:
            server["mrasUri"] = self.mras_uri
        if self.backup_pool_fqdn is not None:
            server["backupPoolUri"] = self.backup_pool_fqdn
        known: dict[str, Mapping[str, str]] = {
            "ServerConfiguration": server,
            "ucPolicy": self.uc_policy,
            "endpointConfiguration": {"ucDiffServVoice": server.get("ucDiffServVoice", "46")},
            "locationPolicy": {"EnhancedEmergencyServicesEnabled": "false"},
            "userSetting": {},
        }
        return {name: known[name] for name in asked if name in known}


@dataclass(frozen=True, slots=True)
class SubscribeAnswer:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes = b""


@dataclass
class SubscriptionDesk:
    """Answers SUBSCRIBEs for one pool; `counts` names what it answered."""

    provisioning: LabProvisioning
    counts: Counter[str] = field(default_factory=Counter)

    def answer(self, request: SipRequest, allow_events: str) -> SubscribeAnswer:
        event = (request.headers.get("Event") or "").strip()
        if event not in allow_events.split(","):
            self.counts["bad_event"] += 1
            return SubscribeAnswer(489, "Bad Event", [("Allow-Events", allow_events)])
        if event == PROVISIONING_EVENT:
            return self._provisioning(request)
        asked = (request.headers.get("Expires") or "").strip()
        granted = self.provisioning.subscription_expires
        if asked.isdigit():
            granted = min(int(asked), granted)
        self.counts[event] += 1
        accept = request.headers.get("Accept") or f"application/{event}+xml"
        headers = [
            ("Event", event),
            ("Content-Type", accept),
            ("Expires", str(granted)),
            ("subscription-state", f"active;expires={granted}"),
        ]
        if _piggyback_first_notify(request):
            # The document is the first NOTIFY, carried in the answer: a client reads the
            # body only when told so (pidgin-sipe looks for ms-piggyback-cseq).
            cseq = (request.headers.get("CSeq") or "1").split()[0]
            headers.append(("ms-piggyback-cseq", cseq))
        return SubscribeAnswer(200, "OK", headers, MINIMAL_BODIES.get(event, b""))

    def _provisioning(self, request: SipRequest) -> SubscribeAnswer:
        if (request.headers.get("Accept") or "").strip() != CONTENT_TYPE:
            self.counts["not_acceptable"] += 1
            return SubscribeAnswer(406, "Not Acceptable", [("Accept", CONTENT_TYPE)])
        try:
            asked = requested_groups(request.body)
        except MalformedProvisioning:
            self.counts["bad_request"] += 1
            return SubscribeAnswer(400, "Bad Request", [])
        self.counts[PROVISIONING_EVENT] += 1
        cseq = (request.headers.get("CSeq") or "1").split()[0]
        return SubscribeAnswer(
            200,
            "OK",
            [
                ("Expires", "0"),
                ("Content-Type", CONTENT_TYPE),
                ("Event", PROVISIONING_EVENT),
                ("subscription-state", "terminated;expires=0"),
                ("ms-piggyback-cseq", cseq),
                ("Supported", "ms-benotify, ms-piggyback-first-notify"),
            ],
            format_answer(self.provisioning.groups(asked)),
        )


def _piggyback_first_notify(request: SipRequest) -> bool:
    return any(
        "ms-piggyback-first-notify" in value.replace(" ", "").split(",")
        for value in request.headers.get_all("Supported")
    )


__all__ = [
    "PHONE_PROPERTIES",
    "UC_POLICY",
    "LabProvisioning",
    "SubscribeAnswer",
    "SubscriptionDesk",
]
