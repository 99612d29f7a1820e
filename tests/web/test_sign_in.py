"""A phone signing in against the lab: root chain, mex, web ticket, certificate."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.oid import NameOID
from lxml import etree

from phonesim.codec.ocauthws import (
    CERT_PROV_PROOF_PORT,
    GET_AND_PUBLISH_CERT_ACTION,
    ROOT_CHAIN_PATH,
    WEB_TICKET_NEGOTIATE_PORT,
    WEB_TICKET_PIN_PORT,
)
from phonesim.codec.ocauthws import namespaces as ns
from phonesim.drivers.certificate_request import KeyPool, build_csr
from phonesim.drivers.web_failure import WebServiceFailure
from phonesim.drivers.web_services import Pin

ENTITY = "alice@phonesim.test"


def test_root_chain_over_plain_http_is_the_lab_ca_chain(web_lab):
    async def scenario():
        async with web_lab(trust=False) as w:
            chain = await w.client.fetch_root_chain(w.url(ROOT_CHAIN_PATH, secure=False))
            assert chain == w.ca.chain
            assert w.lab.received[-1].scheme == "http"

    asyncio.run(scenario())


def test_metadata_names_ports_and_the_ticket_issuer(web_lab):
    async def scenario():
        async with web_lab() as w:
            cert_prov, web_ticket = await w.discover()
        base = f"https://{w.fqdn}"
        assert cert_prov.ports[CERT_PROV_PROOF_PORT] == (
            f"{base}/CertProv/CertProvisioningService.svc/WebTicket_Proof_SHA1"
        )
        assert cert_prov.issuers[f"{CERT_PROV_PROOF_PORT}_policy"] == (
            f"{base}/WebTicket/WebTicketService.svc"
        )
        assert web_ticket.ports[WEB_TICKET_PIN_PORT] == f"{base}/WebTicket/WebTicketService.svc/Pin"
        assert web_ticket.ports[WEB_TICKET_NEGOTIATE_PORT] == (
            f"{base}/WebTicket/WebTicketService.svc/WinNegotiate"
        )

    asyncio.run(scenario())


def test_web_ticket_for_extension_and_pin_names_the_user(web_lab):
    async def scenario():
        async with web_lab() as w:
            ticket = await w.ticket("5551234", "13579")
            issued = w.lab.tickets[ticket.assertion_id]
        assert ticket.sip_uri == "sip:alice@phonesim.test"
        assert ticket.expires == issued.expires
        assert ticket.assertion_id in ticket.assertion_xml

    asyncio.run(scenario())


def test_web_ticket_for_the_full_phone_number(web_lab):
    async def scenario():
        async with web_lab() as w:
            return await w.ticket("+14255551235", "24680")

    assert asyncio.run(scenario()).sip_uri == "sip:bob@phonesim.test"


def test_certificate_is_issued_by_the_lab_ca_for_the_csr_key(web_lab):
    key = KeyPool().take()

    async def scenario():
        async with web_lab() as w:
            ticket = await w.ticket()
            der = await w.client.get_and_publish_cert(
                w.cert_prov_address,
                ticket=ticket,
                entity=ENTITY,
                device_id="0b5a7c4e-8d3b-4d1e-9a51-2f2f5e6d7c8b",
                csr_der=build_csr(key, entity=ENTITY),
                request_id="request-1",
                created=datetime.now(UTC),
            )
            return der, w.ca.chain[0]

    der, root_der = asyncio.run(scenario())
    cert = x509.load_der_x509_certificate(der)
    root = x509.load_der_x509_certificate(root_der)
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == ENTITY
    assert cert.issuer == root.subject
    cert.verify_directly_issued_by(root)
    spki = (Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    assert cert.public_key().public_bytes(*spki) == key.public_key().public_bytes(*spki)


def test_get_and_publish_cert_request_has_the_protocol_shape(web_lab):
    async def scenario():
        async with web_lab() as w:
            ticket = await w.ticket()
            await w.client.get_and_publish_cert(
                w.cert_prov_address,
                ticket=ticket,
                entity=ENTITY,
                device_id="0b5a7c4e-8d3b-4d1e-9a51-2f2f5e6d7c8b",
                csr_der=build_csr(KeyPool("ec-p256").take(), entity=ENTITY),
                request_id="request-7",
                created=datetime.now(UTC),
            )
            return w.lab.received[-1]

    request = asyncio.run(scenario())
    assert request.headers["SOAPAction"].strip('"') == GET_AND_PUBLISH_CERT_ACTION
    envelope = etree.fromstring(request.body)
    body = envelope.find(f"{{{ns.SOAP_ENV}}}Body/{{{ns.AUTH_WEB_SERVICES}}}GetAndPublishCert")
    assert body is not None
    assert body.get("DeviceId") == "{0b5a7c4e-8d3b-4d1e-9a51-2f2f5e6d7c8b}"
    assert body.get("Entity") == ENTITY
    rst = body.find("{http://docs.oasis-open.org/ws-sx/ws-trust/200512/}RequestSecurityToken")
    assert rst is not None, "ws-trust namespace must keep its trailing slash"
    token = rst.find(f"{{{ns.WSSE}}}BinarySecurityToken")
    assert token.get("ValueType") == "http://schemas.microsoft.com/OCS/AuthWebServices.xsd#PKCS10"
    assert rst.findtext(f"{{{ns.WSTEP}}}RequestID") == "request-7"
    security = envelope.find(f"{{{ns.SOAP_ENV}}}Header/{{{ns.WSSE}}}Security")
    assert security.find(f"{{{ns.WSU}}}Timestamp") is not None
    assert security.find(f"{{{ns.SAML}}}Assertion") is not None


def test_every_request_carries_the_phone_user_agent_and_host_name(web_lab):
    async def scenario():
        async with web_lab() as w:
            ticket = await w.ticket()
            await w.client.get_and_publish_cert(
                w.cert_prov_address,
                ticket=ticket,
                entity=ENTITY,
                device_id="{6d1f0e8a-1c2b-4e3d-8f5a-0a1b2c3d4e5f}",
                csr_der=build_csr(KeyPool("ec-p256").take(), entity=ENTITY),
                request_id="r",
                created=datetime.now(UTC),
            )
            return w.lab.received, w.user_agent, w.fqdn

    received, user_agent, fqdn = asyncio.run(scenario())
    assert [r.method for r in received] == ["GET", "GET", "GET", "POST", "POST"]
    assert {r.headers["User-Agent"] for r in received} == {user_agent}
    assert {r.headers["Host"] for r in received} == {fqdn}


def test_pin_never_appears_in_logs_reprs_or_the_lab_journal(web_lab, caplog):
    caplog.set_level(logging.DEBUG)
    pin = Pin("13579")
    wrong = Pin("97531")

    async def scenario():
        async with web_lab() as w:
            cert_prov, web_ticket = await w.discover()
            address = web_ticket.ports[WEB_TICKET_PIN_PORT]
            applies_to = cert_prov.ports[CERT_PROV_PROOF_PORT]
            try:
                await w.client.request_web_ticket(
                    address, applies_to=applies_to, username="5551234", pin=wrong
                )
            except WebServiceFailure as exc:
                failure = exc
            ticket = await w.client.request_web_ticket(
                address, applies_to=applies_to, username="5551234", pin=pin
            )
            await w.client.get_and_publish_cert(
                w.cert_prov_address,
                ticket=ticket,
                entity=ENTITY,
                device_id="{6d1f0e8a-1c2b-4e3d-8f5a-0a1b2c3d4e5f}",
                csr_der=build_csr(KeyPool("ec-p256").take(), entity=ENTITY),
                request_id="r",
                created=datetime.now(UTC),
            )
            return failure, ticket, w.lab.received, w.lab.tickets

    failure, ticket, received, tickets = asyncio.run(scenario())
    assert failure.kind == "fault"
    shown = [
        repr(pin),
        str(pin),
        repr(failure),
        str(failure),
        repr(ticket),
        repr(received),
        repr(tickets),
        caplog.text,
        *(r.body.decode() for r in received),
    ]
    for digits in ("13579", "97531"):
        assert not [text for text in shown if digits in text]
    # The journal still shows that credentials were sent, with the PIN blanked.
    assert b"<wsse:Username>5551234</wsse:Username>" in received[3].body
    assert b">****</wsse:Password>" in received[3].body
    assert "web ticket issued to sip:alice@phonesim.test" in caplog.text
