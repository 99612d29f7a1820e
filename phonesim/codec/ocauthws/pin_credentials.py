"""How the phone's number and PIN travel to the Web Ticket service — the one place that knows.

Not public (protocol.md §7). phonesim's default: a `wsse:UsernameToken` in the SOAP
header of the RequestSecurityToken sent to the `WebTicketServicePin` port, Username =
the phone number or extension as typed, Password = the PIN as text. When a capture
shows the real format, this module is what changes; the phone's driver and the
lab's Web Ticket service both go through it and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from phonesim.codec.ocauthws import namespaces as ns
from phonesim.codec.ocauthws.wire import qname

PASSWORD_TEXT = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
    "#PasswordText"
)
REDACTED = "****"


@dataclass(frozen=True)
class PinCredentials:
    username: str
    pin: str = field(repr=False)


def pin_security_header(username: str, pin: str) -> etree._Element:
    """The wsse:Security header element carrying the credentials."""
    security = etree.Element(qname(ns.WSSE, "Security"), nsmap={"wsse": ns.WSSE})
    token = etree.SubElement(security, qname(ns.WSSE, "UsernameToken"))
    etree.SubElement(token, qname(ns.WSSE, "Username")).text = username
    password = etree.SubElement(token, qname(ns.WSSE, "Password"), Type=PASSWORD_TEXT)
    password.text = pin
    return security


def read_pin_credentials(header: etree._Element | None) -> PinCredentials | None:
    """None when the header carries no username token: an anonymous request."""
    token = _username_token(header)
    if token is None:
        return None
    return PinCredentials(
        username=(token.findtext(qname(ns.WSSE, "Username")) or "").strip(),
        pin=(token.findtext(qname(ns.WSSE, "Password")) or "").strip(),
    )


def redact_pin(header: etree._Element | None) -> None:
    """Blank the PIN in place, so a recorded request can be kept and shown."""
    token = _username_token(header)
    if token is None:
        return
    for password in token.iterfind(qname(ns.WSSE, "Password")):
        password.text = REDACTED


def _username_token(header: etree._Element | None) -> etree._Element | None:
    if header is None:
        return None
    return header.find(f"{qname(ns.WSSE, 'Security')}/{qname(ns.WSSE, 'UsernameToken')}")
