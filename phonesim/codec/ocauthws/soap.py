"""SOAP 1.1 envelopes and faults, as the lab writes them and both sides read them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

from phonesim.codec.ocauthws import namespaces as ns
from phonesim.codec.ocauthws.wire import parse_xml, qname, to_bytes
from phonesim.errors import MalformedServiceDocument

CONTENT_TYPE = "text/xml; charset=utf-8"


@dataclass(frozen=True)
class Envelope:
    header: etree._Element | None
    payload: etree._Element | None
    """The first element inside Body: the request or response proper, or a Fault."""


@dataclass(frozen=True)
class SoapFault:
    code: str
    reason: str
    detail: etree._Element | None
    qualified_code: str = ""
    """`code` with its prefix resolved, `{namespace}local`: the prefix is the writer's choice
    (WCF writes `a:InvalidSecurity`), the namespace is what names the fault."""


def read_envelope(data: bytes, document: str) -> Envelope:
    root = parse_xml(data, document)
    if root.tag != qname(ns.SOAP_ENV, "Envelope"):
        raise MalformedServiceDocument(document, f"root is {root.tag}, not a SOAP 1.1 Envelope")
    header = root.find(qname(ns.SOAP_ENV, "Header"))
    body = root.find(qname(ns.SOAP_ENV, "Body"))
    if body is None:
        raise MalformedServiceDocument(document, "envelope has no Body")
    payload = next(iter(body.iterchildren(etree.Element)), None)
    return Envelope(header=header, payload=payload)


def build_envelope(payload: etree._Element, *, header: Iterable[etree._Element] = ()) -> bytes:
    envelope = etree.Element(qname(ns.SOAP_ENV, "Envelope"), nsmap={"s": ns.SOAP_ENV})
    children = list(header)
    if children:
        etree.SubElement(envelope, qname(ns.SOAP_ENV, "Header")).extend(children)
    etree.SubElement(envelope, qname(ns.SOAP_ENV, "Body")).append(payload)
    return to_bytes(envelope)


def read_fault(envelope: Envelope) -> SoapFault | None:
    payload = envelope.payload
    if payload is None or payload.tag != qname(ns.SOAP_ENV, "Fault"):
        return None
    # SOAP 1.1 fault children are unqualified.
    code = payload.find("faultcode")
    text = "" if code is None else (code.text or "").strip()
    return SoapFault(
        code=text,
        reason=(payload.findtext("faultstring") or "").strip(),
        detail=payload.find("detail"),
        qualified_code="" if code is None else _resolved(code, text),
    )


def _resolved(element: etree._Element, name: str) -> str:
    prefix, _, local = name.rpartition(":")
    namespace = element.nsmap.get(prefix or None)
    return qname(namespace, local) if namespace else local


def build_fault(
    code: tuple[str, str], reason: str, *, detail: Iterable[etree._Element] = ()
) -> bytes:
    """`code` is a (namespace, local name) pair, e.g. (SOAP_ENV, "Client")."""
    namespace, local = code
    fault = etree.Element(qname(ns.SOAP_ENV, "Fault"), nsmap={"s": ns.SOAP_ENV})
    code_element = etree.SubElement(fault, "faultcode", nsmap={"c": namespace})
    code_element.text = f"c:{local}"
    etree.SubElement(fault, "faultstring").text = reason
    children = list(detail)
    if children:
        etree.SubElement(fault, "detail").extend(children)
    return build_envelope(fault)
