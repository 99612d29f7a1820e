"""How the phone's number and PIN travel to the Web Ticket service — the one place that knows.

Not public (protocol.md §7; fidelity.md §2(g) 2): what public sources say is only
that "in the case of PIN authentication, the credentials are the phone number and
the PIN" and that the phone number and extension disambiguate users (gg413090),
and that the service's PIN binding is called `WebTicketServicePin`
(Set-CsWebServiceConfiguration -MobilePreferredAuthType). So the format is a
choice among named variants, each plain data below, picked by the profile's
`web.pin_format` [U]; the phone's driver and the lab's Web Ticket service both go
through this module and nothing else, and the lab says which variant it saw.

* `username-token` (the default): a `wsse:UsernameToken` in the SOAP header of the
  RequestSecurityToken, Username = the phone number or extension as typed,
  Password (PasswordText) = the PIN.
* `tel-uri-username-token`: the same token with Username as a `tel:` URI of the
  number typed, the form Lync keeps a user's phone number in and matches it
  against (Set-CsUser -LineURI: `tel:+14255551297;ext=51297`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from phonesim.codec.ocauthws import namespaces as ns
from phonesim.codec.ocauthws.pin_formats import (
    DEFAULT_PIN_FORMAT,
    PASSWORD_TEXT,
    PIN_FORMATS,
    TEL_URI_USERNAME_TOKEN,
    USERNAME_TOKEN,
    PinFormat,
)
from phonesim.codec.ocauthws.wire import qname

__all__ = [
    "DEFAULT_PIN_FORMAT",
    "PASSWORD_TEXT",
    "PIN_FORMATS",
    "REDACTED",
    "TEL_URI_USERNAME_TOKEN",
    "USERNAME_TOKEN",
    "PinCredentials",
    "PinFormat",
    "pin_security_header",
    "read_pin_credentials",
    "redact_pin",
]

REDACTED = "****"


@dataclass(frozen=True)
class PinCredentials:
    username: str
    """The number as the user typed it, whatever the variant wrapped it in."""
    pin: str = field(repr=False)
    pin_format: str = DEFAULT_PIN_FORMAT
    """The variant the request was read as."""


def pin_security_header(
    username: str, pin: str, pin_format: str = DEFAULT_PIN_FORMAT
) -> etree._Element:
    """The wsse:Security header element carrying the credentials as `pin_format` says."""
    shape = PIN_FORMATS[pin_format]
    security = etree.Element(qname(ns.WSSE, "Security"), nsmap={"wsse": ns.WSSE})
    token = etree.SubElement(security, qname(ns.WSSE, "UsernameToken"))
    etree.SubElement(token, qname(ns.WSSE, "Username")).text = shape.username_prefix + username
    password = etree.SubElement(token, qname(ns.WSSE, "Password"), Type=shape.password_type)
    password.text = pin
    return security


def read_pin_credentials(header: etree._Element | None) -> PinCredentials | None:
    """None when the header carries no username token: an anonymous request. The variant
    is told by the Username's form, the most specific prefix first."""
    token = _username_token(header)
    if token is None:
        return None
    username = (token.findtext(qname(ns.WSSE, "Username")) or "").strip()
    shape = next(
        (
            f
            for f in sorted(PIN_FORMATS.values(), key=lambda f: -len(f.username_prefix))
            if username.lower().startswith(f.username_prefix)
        ),
        USERNAME_TOKEN,
    )
    return PinCredentials(
        username=username[len(shape.username_prefix) :],
        pin=(token.findtext(qname(ns.WSSE, "Password")) or "").strip(),
        pin_format=shape.name,
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
