"""The WSDL documents phonesim ships: zeep reads them, and the lab publishes them."""

from __future__ import annotations

import asyncio

import pytest
import zeep
from lxml import etree
from zeep.wsdl import Document

from phonesim.codec.ocauthws import (
    CERT_PROV_PATH,
    CERT_PROV_PROOF_PORT,
    GET_AND_PUBLISH_CERT_ACTION,
    ISSUE_TOKEN_ACTION,
    WEB_TICKET_PATH,
    WEB_TICKET_PIN_PORT,
)
from phonesim.codec.ocauthws import namespaces as ns
from phonesim.codec.ocauthws.metadata import parse_metadata
from phonesim.codec.ocauthws.wsdl import (
    CERT_PROV_WSDL,
    PLACEHOLDER_HOST,
    WEB_TICKET_WSDL,
    wsdl_path,
)

TNS = "{http://schemas.microsoft.com/OCS/AuthWebServices/}"


def _binding(name: str, binding: str):
    return Document(str(wsdl_path(name)), zeep.Transport()).bindings[TNS + binding]


def test_cert_prov_wsdl_declares_get_and_publish_cert_with_its_soap_action():
    operation = _binding(CERT_PROV_WSDL, CERT_PROV_PROOF_PORT).get("GetAndPublishCert")
    assert operation.soapaction == GET_AND_PUBLISH_CERT_ACTION
    assert operation.input.body.qname == etree.QName(ns.AUTH_WEB_SERVICES, "GetAndPublishCert")


def test_cert_prov_wsdl_puts_the_request_in_ws_trust_with_trailing_slash():
    operation = _binding(CERT_PROV_WSDL, CERT_PROV_PROOF_PORT).get("GetAndPublishCert")
    children = [element.qname for _, element in operation.input.body.type.elements]
    assert etree.QName(ns.WST_CERT, "RequestSecurityToken") in children
    assert ns.WST_CERT.endswith("/")


def test_web_ticket_wsdl_declares_issue_token_on_the_pin_port():
    operation = _binding(WEB_TICKET_WSDL, WEB_TICKET_PIN_PORT).get("IssueToken")
    assert operation.soapaction == ISSUE_TOKEN_ACTION
    assert operation.input.body.qname == etree.QName(ns.WST, "RequestSecurityToken")


@pytest.mark.parametrize(
    ("path", "ports"),
    [
        (CERT_PROV_PATH, {CERT_PROV_PROOF_PORT}),
        (WEB_TICKET_PATH, {WEB_TICKET_PIN_PORT, "WebTicketServiceWinNegotiate"}),
    ],
)
def test_lab_serves_the_wsdl_with_its_own_host(web_lab, path, ports):
    async def scenario():
        async with web_lab() as w, w.browser() as http:
            wsdl = await http.get(w.url(path) + "?wsdl")
            mex = await http.get(w.url(path) + "/mex")
            return wsdl, mex.content, w.fqdn

    wsdl, mex, fqdn = asyncio.run(scenario())
    assert wsdl.status_code == 200
    assert wsdl.headers["content-type"].startswith("text/xml")
    root = etree.fromstring(wsdl.content)
    assert root.tag == f"{{{ns.WSDL}}}definitions"
    assert PLACEHOLDER_HOST.encode() not in wsdl.content
    served = parse_metadata(wsdl.content)
    assert set(served.ports) == ports
    assert all(address.startswith(f"https://{fqdn}/") for address in served.ports.values())
    assert served == parse_metadata(mex)


def test_published_wsdl_still_loads_in_zeep(web_lab, tmp_path):
    async def scenario():
        async with web_lab() as w, w.browser() as http:
            return (await http.get(w.url(CERT_PROV_PATH) + "?wsdl")).content

    saved = tmp_path / "served.wsdl"
    saved.write_bytes(asyncio.run(scenario()))
    document = Document(str(saved), zeep.Transport())
    (service,) = document.services.values()
    port = service.ports[CERT_PROV_PROOF_PORT]
    assert port.binding_options["address"] == (
        "https://web01.phonesim.test/CertProv/CertProvisioningService.svc/WebTicket_Proof_SHA1"
    )
