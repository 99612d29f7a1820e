"""The two SOAP answers a phone reads, taken from the XML directly when they are plain.

zeep reads an answer by walking the WSDL's schema, a millisecond of a fleet's
CPU per phone. An answer in exactly the form the shipped WSDL describes (the
elements it declares, in its order, no attribute it does not declare, a
saml:Assertion as the web ticket's token) is read here instead; anything else,
by one element or attribute, is left to zeep (the functions answer None), so
what zeep would refuse or read differently still goes through zeep. A test holds
both readings equal, and this one silent, on the lab's answers and on answers
altered element by element.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from phonesim.codec.ocauthws import namespaces as ns
from phonesim.codec.ocauthws.diagnostics import read_error_id
from phonesim.codec.ocauthws.wire import parse_xml, qname
from phonesim.errors import MalformedServiceDocument

TEXT = "text"
"""Content of a simple type: no child element."""
ASSERTION = "assertion"
"""The web ticket's xs:any slot holding exactly one saml:Assertion."""


@dataclass(frozen=True)
class Shape:
    tag: str
    content: str | tuple[Shape, ...] = TEXT
    optional: bool = False
    repeated: bool = False
    attributes: frozenset[str] = frozenset()


def _text(namespace: str, local: str, *, optional: bool = False) -> Shape:
    return Shape(qname(namespace, local), TEXT, optional)


_TICKET_ANSWER = Shape(
    qname(ns.WST, "RequestSecurityTokenResponseCollection"),
    (
        Shape(
            qname(ns.WST, "RequestSecurityTokenResponse"),
            (
                _text(ns.WST, "TokenType", optional=True),
                Shape(qname(ns.WST, "RequestedSecurityToken"), ASSERTION),
                Shape(
                    qname(ns.WST, "Lifetime"),
                    (
                        _text(ns.WSU, "Created", optional=True),
                        _text(ns.WSU, "Expires", optional=True),
                    ),
                    optional=True,
                ),
                Shape(
                    qname(ns.WSP, "AppliesTo"),
                    (Shape(qname(ns.WSA, "EndpointReference"), (_text(ns.WSA, "Address"),)),),
                    optional=True,
                ),
            ),
            repeated=True,
            attributes=frozenset({"Context"}),
        ),
    ),
)

_CERTIFICATE_ANSWER = Shape(
    qname(ns.AUTH_WEB_SERVICES, "GetAndPublishCertResponse"),
    (
        Shape(
            qname(ns.WST_CERT, "RequestSecurityTokenResponse"),
            (
                _text(ns.WST_CERT, "TokenType", optional=True),
                _text(ns.WSTEP, "DispositionMessage", optional=True),
                Shape(
                    qname(ns.WST_CERT, "RequestedSecurityToken"),
                    (
                        Shape(
                            qname(ns.WSSE, "BinarySecurityToken"),
                            attributes=frozenset({"ValueType", "EncodingType"}),
                        ),
                    ),
                ),
                _text(ns.WSTEP, "RequestID", optional=True),
            ),
            optional=True,
            attributes=frozenset({"Context"}),
        ),
        Shape(
            qname(ns.AUTH_WEB_SERVICES, "ErrorInfo"),
            (_text(ns.AUTH_WEB_SERVICES, "ErrorId"), _text(ns.AUTH_WEB_SERVICES, "Reason")),
            optional=True,
        ),
    ),
)


@dataclass(frozen=True)
class CertificateAnswer:
    token_text: str | None
    """The BinarySecurityToken's text (base64 DER), None when absent or empty."""
    error: tuple[int | None, str] | None
    """ErrorInfo's ErrorId (None when empty or not an id) and Reason, when the pool refused."""


def read_ticket_answer(content: bytes) -> list[etree._Element] | None:
    """The saml:Assertion of each response of an IssueToken answer in plain form."""
    collection = _payload(content, _TICKET_ANSWER)
    if collection is None:
        return None
    return [response[_index(response, "RequestedSecurityToken")][0] for response in collection]


def read_certificate_answer(content: bytes) -> CertificateAnswer | None:
    """A GetAndPublishCert answer in plain form."""
    answer = _payload(content, _CERTIFICATE_ANSWER)
    if answer is None:
        return None
    token_text: str | None = None
    error: tuple[int | None, str] | None = None
    for part in answer:
        if part.tag == qname(ns.AUTH_WEB_SERVICES, "ErrorInfo"):
            error_id, reason = part[0].text or "", part[1].text or ""
            if not _is_int(error_id):
                return None  # zeep's xs:int reading decides
            error = (read_error_id(error_id), reason)
        else:
            token = part[_index(part, "RequestedSecurityToken")][0]
            token_text = token.text or None
    return CertificateAnswer(token_text, error)


def _payload(content: bytes, shape: Shape) -> etree._Element | None:
    try:
        envelope = parse_xml(content, "SOAP answer")
    except MalformedServiceDocument:
        return None
    if envelope.tag != qname(ns.SOAP_ENV, "Envelope") or envelope.attrib:
        return None
    parts = list(envelope)
    if parts and parts[0].tag == qname(ns.SOAP_ENV, "Header"):
        parts = parts[1:]
    if len(parts) != 1 or parts[0].tag != qname(ns.SOAP_ENV, "Body") or parts[0].attrib:
        return None
    body = list(parts[0])
    if len(body) != 1 or not _plain(envelope) or not _plain(parts[0]):
        return None
    return body[0] if _matches(body[0], shape) else None


def _matches(element: etree._Element, shape: Shape) -> bool:
    if element.tag != shape.tag or not set(element.attrib) <= shape.attributes:
        return False
    if shape.content == TEXT:
        return len(element) == 0
    if shape.content == ASSERTION:
        return (
            len(element) == 1 and element[0].tag == qname(ns.SAML, "Assertion") and _plain(element)
        )
    return (
        isinstance(shape.content, tuple)
        and _plain(element)
        and _sequence(list(element), shape.content)
    )


def _sequence(children: Sequence[etree._Element], shapes: Sequence[Shape]) -> bool:
    position = 0
    for shape in shapes:
        count = 0
        while position < len(children) and children[position].tag == shape.tag:
            if not _matches(children[position], shape):
                return False
            position += 1
            count += 1
            if not shape.repeated:
                break
        if count == 0 and not shape.optional:
            return False
    return position == len(children)


def _plain(element: etree._Element) -> bool:
    """Only elements below it, and blank text between them."""
    if (element.text or "").strip():
        return False
    return all(isinstance(child.tag, str) and not (child.tail or "").strip() for child in element)


def _index(element: etree._Element, local: str) -> int:
    return next(i for i, child in enumerate(element) if etree.QName(child).localname == local)


def _is_int(text: str) -> bool:
    digits = text[1:] if text.startswith("-") else text
    return digits.isascii() and digits.isdigit()
