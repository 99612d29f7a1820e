"""The Web Ticket service's messages, as the lab reads and writes them.

Request: `wst:RequestSecurityToken` (WS-Trust 1.3) asking for a SAML 1.1 token that
applies to the CertProv WebTicket_Proof_SHA1 address. Answer, per the IssueToken
operation's RSTRC/IssueFinal action: a `RequestSecurityTokenResponseCollection`
holding one `RequestSecurityTokenResponse` with the assertion and its lifetime.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree
from lxml.builder import ElementMaker

from phonesim.codec.ocauthws import namespaces as ns
from phonesim.codec.ocauthws.endpoints import SAML_V11_TOKEN_TYPE
from phonesim.codec.ocauthws.wire import format_instant, qname
from phonesim.errors import MalformedServiceDocument

_DOCUMENT = "web ticket request"
_APPLIES_TO_ADDRESS = "/".join(
    (qname(ns.WSP, "AppliesTo"), qname(ns.WSA, "EndpointReference"), qname(ns.WSA, "Address"))
)
_wst = ElementMaker(namespace=ns.WST, nsmap={"wst": ns.WST, "wsu": ns.WSU, "wsp": ns.WSP})


@dataclass(frozen=True)
class TicketRequest:
    token_type: str | None
    applies_to: str
    context: str | None


def read_ticket_request(payload: etree._Element | None) -> TicketRequest:
    if payload is None or payload.tag != qname(ns.WST, "RequestSecurityToken"):
        found = "nothing" if payload is None else payload.tag
        raise MalformedServiceDocument(
            _DOCUMENT, f"body holds {found}, not wst:RequestSecurityToken"
        )
    applies_to = payload.findtext(_APPLIES_TO_ADDRESS)
    if not applies_to or not applies_to.strip():
        raise MalformedServiceDocument(_DOCUMENT, "AppliesTo/EndpointReference/Address is missing")
    token_type = payload.findtext(qname(ns.WST, "TokenType"))
    return TicketRequest(
        token_type=token_type.strip() if token_type else None,
        applies_to=applies_to.strip(),
        context=payload.get("Context"),
    )


def ticket_response(
    assertion: etree._Element,
    *,
    applies_to: str,
    created: datetime,
    expires: datetime,
    context: str | None = None,
) -> etree._Element:
    wsu = ElementMaker(namespace=ns.WSU)
    wsp = ElementMaker(namespace=ns.WSP)
    wsa = ElementMaker(namespace=ns.WSA, nsmap={"wsa": ns.WSA})
    response = _wst.RequestSecurityTokenResponse(
        _wst.TokenType(SAML_V11_TOKEN_TYPE),
        _wst.RequestedSecurityToken(assertion),
        _wst.Lifetime(wsu.Created(format_instant(created)), wsu.Expires(format_instant(expires))),
        wsp.AppliesTo(wsa.EndpointReference(wsa.Address(applies_to))),
    )
    if context is not None:
        response.set("Context", context)
    return _wst.RequestSecurityTokenResponseCollection(response)
