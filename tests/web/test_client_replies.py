"""The phone's direct reading of its two SOAP answers agrees with zeep's, or stays silent.

Each answer the lab writes is read both ways and must give the same assertion,
certificate or ErrorInfo. Then every element of it is altered in turn (dropped,
doubled, given an attribute or a child the WSDL does not declare, renamed into
another namespace, given text): whenever the direct reading still answers, zeep
must read the altered answer without error and to the same values.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import zeep
from lxml import etree

from phonesim.codec.ocauthws import namespaces as ns
from phonesim.codec.ocauthws.cert_provisioning import certificate_response, error_info_response
from phonesim.codec.ocauthws.client_replies import read_certificate_answer, read_ticket_answer
from phonesim.codec.ocauthws.endpoints import CERT_PROV_PROOF_PORT, WEB_TICKET_PIN_PORT
from phonesim.codec.ocauthws.saml import build_assertion
from phonesim.codec.ocauthws.soap import build_envelope
from phonesim.codec.ocauthws.web_ticket import ticket_response
from phonesim.codec.ocauthws.wire import parse_xml, qname, to_bytes
from phonesim.codec.ocauthws.wsdl import CERT_PROV_WSDL, WEB_TICKET_WSDL, wsdl_path
from phonesim.drivers.web_services import _assertions_from, _certificate_answer_from

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _ticket_answer(context: str | None = None) -> bytes:
    assertion = build_assertion(
        assertion_id="SamlSecurityToken-1",
        issuer="pool.test",
        sip_uri="sip:5551234@pool.test",
        audience="https://pool.test/CertProv/CertProvisioningService.svc",
        issued=NOW,
        expires=NOW + timedelta(hours=8),
    )
    payload = ticket_response(
        assertion,
        applies_to="https://pool.test/CertProv/CertProvisioningService.svc",
        created=NOW,
        expires=NOW + timedelta(hours=8),
        context=context,
    )
    return build_envelope(payload)


def _zeep_read(wsdl: str, port: str, operation: str, content: bytes):
    client = zeep.Client(wsdl=str(wsdl_path(wsdl)))
    binding = client.wsdl.bindings[f"{{{ns.AUTH_WEB_SERVICES}}}{port}"]
    response = httpx.Response(200, content=content, headers={"Content-Type": "text/xml"})
    return binding.process_reply(client, binding.get(operation), response)


def _zeep_ticket(content: bytes) -> list[str]:
    tokens = _assertions_from(
        _zeep_read(WEB_TICKET_WSDL, WEB_TICKET_PIN_PORT, "IssueToken", content)
    )
    return [etree.tostring(token) for token in tokens]


def _zeep_certificate(content: bytes):
    result = _zeep_read(CERT_PROV_WSDL, CERT_PROV_PROOF_PORT, "GetAndPublishCert", content)
    return _certificate_answer_from(result)


def _direct_ticket(content: bytes) -> list[str] | None:
    tokens = read_ticket_answer(content)
    return None if tokens is None else [etree.tostring(token) for token in tokens]


TICKETS = [_ticket_answer(), _ticket_answer(context="c-1")]
CERTIFICATES = [
    build_envelope(certificate_response(b"\x30\x82certificate", request_id="7")),
    build_envelope(certificate_response(b"\x30\x82certificate", request_id=None)),
    build_envelope(error_info_response(-2147467259, "Certificate request refused")),
    build_envelope(error_info_response(12, "")),
]
READINGS = [(answer, _direct_ticket, _zeep_ticket) for answer in TICKETS] + [
    (answer, read_certificate_answer, _zeep_certificate) for answer in CERTIFICATES
]


@pytest.mark.parametrize(("answer", "direct", "by_zeep"), READINGS)
def test_the_labs_answers_read_directly_as_zeep_reads_them(answer, direct, by_zeep):
    read = direct(answer)
    assert read is not None
    assert read == by_zeep(answer)


def _alterations(answer: bytes):
    """The answer with one element below the SOAP body altered, each way in turn."""
    root = parse_xml(answer, "answer")
    elements = list(root.find(qname(ns.SOAP_ENV, "Body")).iter())[1:]
    for position, original in enumerate(elements, start=1):
        name = etree.QName(original).localname
        for how in ("drop", "double", "attribute", "child", "rename", "text", "sibling"):
            altered = copy.deepcopy(root)
            element = list(altered.find(qname(ns.SOAP_ENV, "Body")).iter())[position]
            parent = element.getparent()
            if how == "drop":
                parent.remove(element)
            elif how == "double":
                element.addnext(copy.deepcopy(element))
            elif how == "attribute":
                element.set("Unexpected", "1")
            elif how == "child":
                etree.SubElement(element, qname(ns.WST, "Unexpected")).text = "x"
            elif how == "rename":
                element.tag = qname("urn:other", etree.QName(element).localname)
            elif how == "text":
                element.text = (element.text or "") + " stray"
            else:
                element.addprevious(etree.Element(qname(ns.WSU, "Created")))
            yield f"{how} {position} {name}", to_bytes(altered)


ALTERED = [
    pytest.param(altered, direct, by_zeep, id=name)
    for answer, direct, by_zeep in READINGS
    for name, altered in _alterations(answer)
]


@pytest.mark.parametrize(("answer", "direct", "by_zeep"), ALTERED)
def test_an_altered_answer_is_read_directly_only_as_zeep_reads_it(answer, direct, by_zeep):
    read = direct(answer)
    if read is not None:
        assert read == by_zeep(answer)


def test_some_alterations_are_left_to_zeep():
    """The direct reading does decline: otherwise the test above would hold nothing."""
    declined = [
        answer for answer, direct, _ in (p.values for p in ALTERED) if direct(answer) is None
    ]
    assert len(declined) > len(ALTERED) // 2
