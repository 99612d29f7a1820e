"""The phone's self-SUBSCRIBEs after its 200 OK, signed under the security association.

Every request after the handshake is signed with the client key, and its signed
text is built from the very headers sent (`tls-dsk.md` §1.7): a SUBSCRIBE's
fields are its own Call-ID, CSeq, From tag and Expires, and the counter `cnum`
is the association's, shared with the REGISTERs (`TlsDskSession.countersign`).
Each subscription is a dialog of its own (a Call-ID and a From tag of its own),
as pidgin-sipe's are; To = From = the phone's AOR (a self subscription), and its
Contact is the GRUU the 200 OK gave (MS-SIPREGE §3.1.1.5.1: use the GRUU).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from phonesim.codec.provisioning_xml import format_request
from phonesim.codec.sip_message import SipHeaders, SipRequest
from phonesim.core.tls_dsk.register_request import Association, Endpoint, signed_authorization

PROVISIONING_EVENT = "vnd-microsoft-provisioning-v2"
PROVISIONING_TYPE = "application/vnd-microsoft-roaming-provisioning-v2+xml"
ROAMING_SELF_BODY = (
    b'<roamingList xmlns="http://schemas.microsoft.com/2006/09/sip/roaming-self">'
    b'<roaming type="categories"/><roaming type="containers"/>'
    b'<roaming type="subscribers"/></roamingList>'
)


@dataclass(frozen=True, slots=True)
class Subscription:
    """What one self-SUBSCRIBE asks for (`tls-dsk.md` §3.2's table)."""

    event: str
    accept: str
    expires: int
    body: bytes = b""
    extra: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class SubscriptionDialog:
    """A subscription the registrar granted with an Expires: renewed before it runs out."""

    subscription: Subscription
    call_id: str
    tag: str
    cseq: int
    expires: int
    renew_at: float


def renew_in(expires: int) -> float:
    """pidgin-sipe's `sipe_subscription_expiration`: Expires − 120 s when over 240 s,
    otherwise halfway."""
    return expires - 120.0 if expires > 240 else expires / 2


@functools.lru_cache(maxsize=64)
def subscription_for(event: str, groups: tuple[str, ...] = ()) -> Subscription:
    """The SUBSCRIBE pidgin-sipe sends for `event`; in-band provisioning asks for `groups`.
    One value per event and groups, shared: a fleet's held phones each keep theirs."""
    if event == PROVISIONING_EVENT:
        return Subscription(
            event,
            PROVISIONING_TYPE,
            0,
            format_request(groups),
            (("Content-Type", PROVISIONING_TYPE),),
        )
    accept = f"application/{event}+xml"
    if event == "vnd-microsoft-roaming-self":
        return Subscription(event, accept, 3600, ROAMING_SELF_BODY, (("Content-Type", accept),))
    if event == "vnd-microsoft-roaming-contacts":
        return Subscription(event, accept, 3600, b"", (("Supported", "ms-ucs"),))
    return Subscription(event, accept, 3600)


def signed_subscribe(
    endpoint: Endpoint,
    association: Association,
    subscription: Subscription,
    *,
    contact: str,
    call_id: str,
    tag: str,
    cseq: int,
    branch: str,
    crand: str,
    cnum: int,
) -> bytes:
    """A self-SUBSCRIBE signed with the client key."""
    host, port = endpoint.local_host, endpoint.local_port
    items = [
        ("Via", f"SIP/2.0/{endpoint.transport} {host}:{port};branch={branch}"),
        ("Max-Forwards", "70"),
        ("From", f"<{endpoint.aor}>;tag={tag};epid={endpoint.epid}"),
        ("To", f"<{endpoint.aor}>"),
        ("Call-ID", call_id),
        ("CSeq", f"{cseq} SUBSCRIBE"),
        ("Contact", f"<{contact}>"),
        ("User-Agent", endpoint.user_agent),
        ("Event", subscription.event),
        ("Accept", subscription.accept),
        ("Supported", "com.microsoft.autoextend"),
        ("Supported", "ms-benotify"),
        ("Proxy-Require", "ms-benotify"),
        ("Supported", "ms-piggyback-first-notify"),
        *subscription.extra,
        ("Expires", str(subscription.expires)),
    ]
    request = SipRequest("SUBSCRIBE", endpoint.aor, SipHeaders(tuple(items)))
    items.append(signed_authorization(request, association, crand, cnum))
    lines = [f"SUBSCRIBE {endpoint.aor} SIP/2.0", *(f"{n}: {v}" for n, v in items)]
    lines.append(f"Content-Length: {len(subscription.body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + subscription.body


__all__ = [
    "PROVISIONING_EVENT",
    "PROVISIONING_TYPE",
    "Subscription",
    "SubscriptionDialog",
    "renew_in",
    "signed_subscribe",
    "subscription_for",
]
