"""The WSDL documents phonesim ships, and how the lab turns them into what it serves.

The phone loads them from here, never from the network: zeep parses WSDL
synchronously, and the lab usually runs in the phone's own event loop, so a fetch
would deadlock. The lab serves the same files, with its web FQDN in place of the
placeholder host, both at `…svc?wsdl` and at `…svc/mex` (with their policies, the way
a WCF service publishes them).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from lxml import etree

from phonesim.codec.ocauthws import namespaces as ns
from phonesim.codec.ocauthws.wire import to_bytes

CERT_PROV_WSDL = "CertProvisioningService.wsdl"
WEB_TICKET_WSDL = "WebTicketService.wsdl"

PLACEHOLDER_HOST = "web.invalid"
"""Host written in the shipped documents; `.invalid` can never resolve (RFC 6761)."""


def wsdl_path(name: str) -> Path:
    """A real file path: zeep wants a location it can resolve relative imports against."""
    return Path(str(resources.files(__package__).joinpath("wsdl", name)))


def wsdl_bytes(name: str) -> bytes:
    return resources.files(__package__).joinpath("wsdl", name).read_bytes()


def published_wsdl(name: str, web_fqdn: str) -> bytes:
    """The document as a pool with that web FQDN publishes it: every service address
    and policy issuer points at `https://<web_fqdn>/…` (standard port, as real pools do)."""
    root = etree.fromstring(wsdl_bytes(name))
    for address in root.iterfind(f".//{{{ns.WSDL_SOAP}}}address"):
        address.set("location", _rehost(address.get("location", ""), web_fqdn))
    for address in root.iterfind(f".//{{{ns.WSA}}}Address"):
        address.text = _rehost(address.text or "", web_fqdn)
    return to_bytes(root)


def _rehost(url: str, web_fqdn: str) -> str:
    parts = urlsplit(url)
    if parts.hostname != PLACEHOLDER_HOST:
        return url
    return urlunsplit(parts._replace(netloc=web_fqdn))
