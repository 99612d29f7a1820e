"""The phone's SOAP requests are the bytes and headers zeep builds from the shipped WSDL.

A request zeep would write differently (an element, prefix, attribute, escape or
header) fails here, so a pool sees what it saw when zeep wrote the requests.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import zeep
from zeep.wsdl.utils import etree_to_string

from phonesim.codec.ocauthws import namespaces as ns
from phonesim.codec.ocauthws.client_requests import (
    get_and_publish_cert_request,
    issue_token_request,
)
from phonesim.codec.ocauthws.endpoints import (
    BASE64_ENCODING_TYPE,
    CERT_PROV_PROOF_PORT,
    ISSUE_REQUEST_TYPE,
    PKCS10_VALUE_TYPE,
    SAML_V11_TOKEN_TYPE,
    WEB_TICKET_PIN_PORT,
    X509_TOKEN_TYPE,
)
from phonesim.codec.ocauthws.pin_credentials import pin_security_header
from phonesim.codec.ocauthws.security import ticket_security_header
from phonesim.codec.ocauthws.wsdl import CERT_PROV_WSDL, WEB_TICKET_WSDL, wsdl_path

ASSERTION = (
    '<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:1.0:assertion" AssertionID="a&amp;1">'
    "<saml:Conditions/></saml:Assertion>"
)
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_message_id(monkeypatch):
    """zeep and the builders each draw a MessageID; both get the same one here."""
    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=0x1234))


def _zeep_request(wsdl: str, port: str, operation: str, address: str, **kwargs):
    client = zeep.Client(wsdl=str(wsdl_path(wsdl)))
    binding = client.wsdl.bindings[f"{{{ns.AUTH_WEB_SERVICES}}}{port}"]
    envelope, headers = binding._create(
        operation, (), kwargs, client=client, options={"address": address}
    )
    return etree_to_string(envelope), headers


@pytest.mark.parametrize(
    ("username", "pin", "applies_to"),
    [
        ("5551234", "13579", "https://pool.test/CertProv/CertProvisioningService.svc"),
        ("a<b>&'\"", " 0 ", "https://pool.test/x?a=1&b=<2>"),
    ],
)
def test_issue_token_request_is_what_zeep_writes(username, pin, applies_to):
    address = "https://pool.test/WebTicket/WebTicketService.svc/Pin"
    expected, headers = _zeep_request(
        WEB_TICKET_WSDL,
        WEB_TICKET_PIN_PORT,
        "IssueToken",
        address,
        TokenType=SAML_V11_TOKEN_TYPE,
        RequestType=ISSUE_REQUEST_TYPE,
        AppliesTo={"EndpointReference": {"Address": applies_to}},
        _soapheaders=[pin_security_header(username, pin)],
    )
    request = issue_token_request(
        address, applies_to=applies_to, security=pin_security_header(username, pin)
    )
    assert request.envelope == expected
    assert request.headers == headers


@pytest.mark.parametrize(
    ("entity", "device_id", "request_id"),
    [
        ("5551234@pool.test", "{0A1B2C3D-0000-4000-8000-000000000001}", "1"),
        ("a&b@<x>", '{"quoted"}', "r & <id>"),
    ],
)
def test_get_and_publish_cert_request_is_what_zeep_writes(entity, device_id, request_id):
    address = "https://pool.test/CertProv/CertProvisioningService.svc/WebTicket_Proof_SHA1"
    csr = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"

    def security():
        return ticket_security_header(ASSERTION, created=NOW, expires=NOW + timedelta(hours=8))

    expected, headers = _zeep_request(
        CERT_PROV_WSDL,
        CERT_PROV_PROOF_PORT,
        "GetAndPublishCert",
        address,
        RequestSecurityToken={
            "TokenType": X509_TOKEN_TYPE,
            "RequestType": ISSUE_REQUEST_TYPE,
            "BinarySecurityToken": {
                "_value_1": csr,
                "ValueType": PKCS10_VALUE_TYPE,
                "EncodingType": BASE64_ENCODING_TYPE,
            },
            "RequestID": request_id,
        },
        DeviceId=device_id,
        Entity=entity,
        _soapheaders=[security()],
    )
    request = get_and_publish_cert_request(
        address,
        security=security(),
        csr_base64=csr,
        request_id=request_id,
        device_id=device_id,
        entity=entity,
    )
    assert request.envelope == expected
    assert request.headers == headers
