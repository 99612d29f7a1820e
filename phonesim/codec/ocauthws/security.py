"""The wsse:Security header that carries a web ticket to the Certificate Provisioning Service.

The phone sends a wsu:Timestamp and the saml:Assertion exactly as the Web Ticket
service issued it (re-serialising it could break a signature a real pool put on it).
The CertProv port's policy names SHA1 proof-of-possession; the lab accepts a bearer
ticket and does not check a signature — see protocol.md §7.

The timestamp is where a client's clock reaches the pool. phonesim's phones write
`Created` from their own clock and `Expires` as the web ticket's expiry [U: what a
CX600 or 6725ip writes is not published]. pidgin-sipe writes neither from its own
clock: `generate_timestamp` (src/core/sipe-webticket.c) copies the `wst:Lifetime` of
the Web Ticket answer, the server's `Created` and `Expires`, into the timestamp, so a
client built that way never shows the pool its clock here.

The pool checks the timestamp as WCF does, against its own clock with a tolerance,
`MaxClockSkew` (LocalServiceSecuritySettings.MaxClockSkew, "The default is 5 minutes":
https://learn.microsoft.com/en-us/dotnet/api/system.servicemodel.channels.localservicesecuritysettings.maxclockskew;
WSE's timeToleranceInSeconds documents the same two checks, a `Created` in the future
and an `Expires` in the past:
https://learn.microsoft.com/en-us/previous-versions/dotnet/netframework-2.0/aa528784(v=msdn.10)).
A message that fails them is refused with WCF's generic security fault, `a:InvalidSecurity`
(`a` bound to the WS-Security namespace) "An error occurred when verifying security for
the message." — as clients of WCF services report it (loopbackio/strong-soap#57), and as
AD FS logs it when two servers' clocks differ (event 364,
https://blogs.technet.microsoft.com/instan/2011/09/16/adfs-event-id-364-on-adfs-2-0-proxy/).
The fault does not say which check failed: WCF keeps the cause on the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from lxml import etree

from phonesim.codec.ocauthws import namespaces as ns
from phonesim.codec.ocauthws.saml import find_assertion
from phonesim.codec.ocauthws.wire import format_instant, parse_instant, parse_xml, qname

INVALID_SECURITY = (ns.WSSE, "InvalidSecurity")
INVALID_SECURITY_CODE = qname(*INVALID_SECURITY)
"""The fault's code as a reader resolves it, `{namespace}InvalidSecurity`."""
INVALID_SECURITY_REASON = "An error occurred when verifying security for the message."
MAX_CLOCK_SKEW = timedelta(minutes=5)
"""WCF's default MaxClockSkew."""


@dataclass(frozen=True)
class SecurityTimestamp:
    created: datetime
    expires: datetime | None


def ticket_security_header(
    assertion_xml: str, *, created: datetime, expires: datetime
) -> etree._Element:
    security = etree.Element(qname(ns.WSSE, "Security"), nsmap={"wsse": ns.WSSE, "wsu": ns.WSU})
    timestamp = etree.SubElement(
        security, qname(ns.WSU, "Timestamp"), {qname(ns.WSU, "Id"): "timestamp"}
    )
    etree.SubElement(timestamp, qname(ns.WSU, "Created")).text = format_instant(created)
    etree.SubElement(timestamp, qname(ns.WSU, "Expires")).text = format_instant(expires)
    security.append(parse_xml(assertion_xml.encode("utf-8"), "web ticket assertion"))
    return security


def ticket_in_header(header: etree._Element | None) -> etree._Element | None:
    """The saml:Assertion inside the wsse:Security header, if any."""
    security = _security(header)
    return find_assertion(security) if security is not None else None


def timestamp_in_header(header: etree._Element | None) -> SecurityTimestamp | None:
    """The wsu:Timestamp of the wsse:Security header, if any; MalformedServiceDocument
    when its times cannot be read."""
    security = _security(header)
    timestamp = None if security is None else security.find(qname(ns.WSU, "Timestamp"))
    if timestamp is None:
        return None
    document = "wsu:Timestamp"
    expires = timestamp.findtext(qname(ns.WSU, "Expires"))
    return SecurityTimestamp(
        created=parse_instant(timestamp.findtext(qname(ns.WSU, "Created")), document, "Created"),
        expires=None if expires is None else parse_instant(expires, document, "Expires"),
    )


def timestamp_refusal(
    timestamp: SecurityTimestamp, now: datetime, max_clock_skew: timedelta
) -> str | None:
    """Why a server whose clock reads `now` refuses the timestamp, as WCF checks it; None
    when it accepts it."""
    if timestamp.created > now + max_clock_skew:
        return (
            f"Created {format_instant(timestamp.created)} is later than the server's clock "
            f"{format_instant(now)} plus the allowed skew ({_seconds(max_clock_skew)} s)"
        )
    if timestamp.expires is not None and timestamp.expires < now - max_clock_skew:
        return (
            f"Expires {format_instant(timestamp.expires)} is earlier than the server's clock "
            f"{format_instant(now)} minus the allowed skew ({_seconds(max_clock_skew)} s)"
        )
    return None


def _security(header: etree._Element | None) -> etree._Element | None:
    return None if header is None else header.find(qname(ns.WSSE, "Security"))


def _seconds(span: timedelta) -> str:
    return f"{span.total_seconds():g}"
