"""The SAML 1.1 assertion that is a Lync web ticket.

The lab issues one per successful PIN sign-in; the phone reads from it who it now is
(the user's SIP URI) and until when the ticket holds, then hands it back untouched in
the wsse:Security header of GetAndPublishCert. The assertion is unsigned in the lab:
the lab recognises its tickets by AssertionID, a 122-bit random value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree
from lxml.builder import ElementMaker

from phonesim.codec.ocauthws import namespaces as ns
from phonesim.codec.ocauthws.wire import format_instant, parse_instant, qname
from phonesim.errors import MalformedServiceDocument

_DOCUMENT = "web ticket assertion"
URI_CLAIM_NAMESPACE = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims"
BEARER = "urn:oasis:names:tc:SAML:1.0:cm:bearer"
PIN_AUTHENTICATION = "urn:component:Microsoft.Rtc.WebAuthentication.2010:pin"

_saml = ElementMaker(namespace=ns.SAML, nsmap={"saml": ns.SAML})


@dataclass(frozen=True)
class AssertionFacts:
    assertion_id: str
    sip_uri: str
    not_on_or_after: datetime


def build_assertion(
    *,
    assertion_id: str,
    issuer: str,
    sip_uri: str,
    audience: str,
    issued: datetime,
    expires: datetime,
) -> etree._Element:
    instant = format_instant(issued)
    return _saml(
        "Assertion",
        _saml(
            "Conditions",
            _saml("AudienceRestrictionCondition", _saml("Audience", audience)),
            NotBefore=instant,
            NotOnOrAfter=format_instant(expires),
        ),
        _saml(
            "AuthenticationStatement",
            _subject(sip_uri),
            AuthenticationMethod=PIN_AUTHENTICATION,
            AuthenticationInstant=instant,
        ),
        _saml(
            "AttributeStatement",
            _subject(sip_uri),
            _saml(
                "Attribute",
                _saml("AttributeValue", sip_uri),
                AttributeName="uri",
                AttributeNamespace=URI_CLAIM_NAMESPACE,
            ),
        ),
        MajorVersion="1",
        MinorVersion="1",
        AssertionID=assertion_id,
        Issuer=issuer,
        IssueInstant=instant,
    )


def find_assertion(element: etree._Element | None) -> etree._Element | None:
    """The saml:Assertion at or below `element`."""
    if element is None:
        return None
    tag = qname(ns.SAML, "Assertion")
    if element.tag == tag:
        return element
    return next(element.iter(tag), None)


def read_assertion(assertion: etree._Element) -> AssertionFacts:
    assertion_id = assertion.get("AssertionID")
    if not assertion_id:
        raise MalformedServiceDocument(_DOCUMENT, "AssertionID is missing")
    conditions = assertion.find(qname(ns.SAML, "Conditions"))
    expires = parse_instant(
        conditions.get("NotOnOrAfter") if conditions is not None else None,
        _DOCUMENT,
        "Conditions/@NotOnOrAfter",
    )
    return AssertionFacts(
        assertion_id=assertion_id, sip_uri=_sip_uri(assertion), not_on_or_after=expires
    )


def _sip_uri(assertion: etree._Element) -> str:
    for text in assertion.xpath(
        ".//saml:NameIdentifier/text() | .//saml:Attribute[@AttributeName='uri']"
        "/saml:AttributeValue/text()",
        namespaces={"saml": ns.SAML},
    ):
        value = str(text).strip()
        if value.lower().startswith("sip:"):
            return value
    raise MalformedServiceDocument(_DOCUMENT, "no sip: URI in NameIdentifier or uri attribute")


def _subject(sip_uri: str) -> etree._Element:
    return _saml(
        "Subject",
        _saml("NameIdentifier", sip_uri, Format=URI_CLAIM_NAMESPACE + "/uri"),
        _saml("SubjectConfirmation", _saml("ConfirmationMethod", BEARER)),
    )
