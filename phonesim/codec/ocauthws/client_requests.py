"""The phone's two SOAP requests, IssueToken and GetAndPublishCert, as the bytes zeep sends.

zeep walks the WSDL's schema for every request it builds, which cost a fleet
about a tenth of each phone's CPU; these two envelopes are fixed in shape, so
they are written here directly, in zeep's own form (its prefixes, element
order, WS-Addressing header and serialization), and a test holds them equal to
what zeep builds from the shipped WSDL. zeep still reads the answers.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from lxml import etree

from phonesim.codec.ocauthws import namespaces as ns
from phonesim.codec.ocauthws.endpoints import (
    BASE64_ENCODING_TYPE,
    GET_AND_PUBLISH_CERT_ACTION,
    ISSUE_REQUEST_TYPE,
    ISSUE_TOKEN_ACTION,
    PKCS10_VALUE_TYPE,
    SAML_V11_TOKEN_TYPE,
    X509_TOKEN_TYPE,
)
from phonesim.codec.ocauthws.wire import qname, to_bytes


@dataclass(frozen=True)
class SoapRequest:
    action: str
    envelope: bytes

    @property
    def headers(self) -> dict[str, str]:
        """The HTTP headers zeep sends with a SOAP 1.1 request."""
        return {"SOAPAction": f'"{self.action}"', "Content-Type": "text/xml; charset=utf-8"}


def issue_token_request(address: str, *, applies_to: str, security: etree._Element) -> SoapRequest:
    """WS-Trust Issue of a SAML 1.1 web ticket for `applies_to`, sent to `address`."""
    body, envelope = _envelope(ISSUE_TOKEN_ACTION, address, security)
    request = etree.SubElement(body, qname(ns.WST, "RequestSecurityToken"), nsmap={"ns0": ns.WST})
    etree.SubElement(request, qname(ns.WST, "TokenType")).text = SAML_V11_TOKEN_TYPE
    etree.SubElement(request, qname(ns.WST, "RequestType")).text = ISSUE_REQUEST_TYPE
    applies = etree.SubElement(request, qname(ns.WSP, "AppliesTo"), nsmap={"ns1": ns.WSP})
    reference = etree.SubElement(applies, qname(ns.WSA, "EndpointReference"), nsmap={"ns2": ns.WSA})
    etree.SubElement(reference, qname(ns.WSA, "Address")).text = applies_to
    return SoapRequest(ISSUE_TOKEN_ACTION, to_bytes(envelope))


def get_and_publish_cert_request(
    address: str,
    *,
    security: etree._Element,
    csr_base64: str,
    request_id: str,
    device_id: str,
    entity: str,
) -> SoapRequest:
    """GetAndPublishCert carrying the PKCS#10 request, sent to `address`."""
    body, envelope = _envelope(GET_AND_PUBLISH_CERT_ACTION, address, security)
    call = etree.SubElement(
        body,
        qname(ns.AUTH_WEB_SERVICES, "GetAndPublishCert"),
        nsmap={"ns0": ns.AUTH_WEB_SERVICES},
    )
    call.set("DeviceId", device_id)
    call.set("Entity", entity)
    request = etree.SubElement(
        call, qname(ns.WST_CERT, "RequestSecurityToken"), nsmap={"ns1": ns.WST_CERT}
    )
    etree.SubElement(request, qname(ns.WST_CERT, "TokenType")).text = X509_TOKEN_TYPE
    etree.SubElement(request, qname(ns.WST_CERT, "RequestType")).text = ISSUE_REQUEST_TYPE
    token = etree.SubElement(request, qname(ns.WSSE, "BinarySecurityToken"), nsmap={"ns2": ns.WSSE})
    token.set("ValueType", PKCS10_VALUE_TYPE)
    token.set("EncodingType", BASE64_ENCODING_TYPE)
    token.text = csr_base64
    etree.SubElement(
        request, qname(ns.WSTEP, "RequestID"), nsmap={"ns3": ns.WSTEP}
    ).text = request_id
    return SoapRequest(GET_AND_PUBLISH_CERT_ACTION, to_bytes(envelope))


def _envelope(
    action: str, address: str, security: etree._Element
) -> tuple[etree._Element, etree._Element]:
    """The envelope and its empty body; the header holds `security`, then WS-Addressing."""
    envelope = etree.Element(qname(ns.SOAP_ENV, "Envelope"), nsmap={"soap-env": ns.SOAP_ENV})
    header = etree.SubElement(envelope, qname(ns.SOAP_ENV, "Header"), nsmap={"wsa": ns.WSA})
    header.append(security)
    etree.SubElement(header, qname(ns.WSA, "Action")).text = action
    etree.SubElement(header, qname(ns.WSA, "MessageID")).text = f"urn:uuid:{uuid.uuid4()}"
    etree.SubElement(header, qname(ns.WSA, "To")).text = address
    body = etree.SubElement(envelope, qname(ns.SOAP_ENV, "Body"))
    return body, envelope
