"""What a service's mex document tells the phone: its ports and who issues its tickets.

The phone only needs two things from metadata, as pidgin-sipe does: the address of
each named port (`service/port/address/@location`) and, for each policy, the issuer
of the token it demands (`…SupportingTokens/Policy/IssuedToken/Issuer/Address`).
Elements are matched by local name, because WCF versions differ in which
WS-SecurityPolicy and SOAP binding namespaces they write.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

from lxml import etree

from phonesim.codec.ocauthws import namespaces as ns
from phonesim.codec.ocauthws.wire import local_name, parse_xml
from phonesim.errors import MalformedServiceDocument

_DOCUMENT = "metadata"


@dataclass(frozen=True)
class ServiceMetadata:
    """Shared by every caller that parsed the same document: read it, do not change it."""

    ports: Mapping[str, str] = field(default_factory=dict)
    """Port name -> address, e.g. WebTicketServicePin -> https://web/WebTicket/WebTicketService.svc/Pin."""
    issuers: Mapping[str, str] = field(default_factory=dict)
    """Policy id -> address of the service that issues the token the policy demands."""

    def issuer_for_port(self, port: str) -> str | None:
        return self.issuers.get(f"{port}_policy")


@functools.lru_cache(maxsize=32)
def parse_metadata(data: bytes) -> ServiceMetadata:
    """Memoised by the document's bytes: a fleet's phones fetch the same few documents
    thousands of times, and each parse costs close to a millisecond."""
    root = parse_xml(data, _DOCUMENT)
    ports: dict[str, str] = {}
    for port in root.iter(etree.Element):
        if local_name(port) != "port" or etree.QName(port).namespace != ns.WSDL:
            continue
        name = port.get("name")
        location = next(
            (
                child.get("location")
                for child in port.iterchildren(etree.Element)
                if local_name(child) == "address"
            ),
            None,
        )
        if name and location:
            ports.setdefault(name, location.strip())
    if not ports:
        raise MalformedServiceDocument(_DOCUMENT, "no wsdl:service/wsdl:port with an address")
    issuers: dict[str, str] = {}
    for policy in root.iter(etree.Element):
        if local_name(policy) != "Policy":
            continue
        policy_id = policy.get(f"{{{ns.WSU}}}Id") or policy.get("Id")
        if not policy_id:
            continue
        issuer = policy.xpath(
            ".//*[local-name()='IssuedToken']/*[local-name()='Issuer']"
            "/*[local-name()='Address']/text()"
        )
        if issuer:
            issuers.setdefault(policy_id, str(issuer[0]).strip())
    return ServiceMetadata(ports=ports, issuers=issuers)
