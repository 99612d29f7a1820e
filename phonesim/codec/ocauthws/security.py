"""The wsse:Security header that carries a web ticket to the Certificate Provisioning Service.

Like pidgin-sipe, the phone sends a wsu:Timestamp and the saml:Assertion exactly as
the Web Ticket service issued it (re-serialising it could break a signature a real
pool put on it). The CertProv port's policy names SHA1 proof-of-possession; the lab
accepts a bearer ticket and does not check a signature — see protocol.md §7.
"""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from phonesim.codec.ocauthws import namespaces as ns
from phonesim.codec.ocauthws.saml import find_assertion
from phonesim.codec.ocauthws.wire import format_instant, parse_xml, qname


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
    if header is None:
        return None
    security = header.find(qname(ns.WSSE, "Security"))
    return find_assertion(security) if security is not None else None
