"""Every way a sign-in can fail comes out as a WebServiceFailure of the right kind."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from aiohttp import web

from phonesim.codec.ocauthws import CERT_PROV_PATH, ROOT_CHAIN_PATH
from phonesim.drivers.address_book import AddressBook
from phonesim.drivers.certificate_request import KeyPool, build_csr
from phonesim.drivers.web_failure import WebServiceFailure
from phonesim.drivers.web_services import Pin, WebServicesClient, WebTicket
from phonesim.lab.certificate_authority import LabCertificateAuthority
from phonesim.lab.web_services import WebFaults

ENTITY = "alice@phonesim.test"


async def _certificate(w, ticket, *, entity=ENTITY, csr_der=None):
    return await w.client.get_and_publish_cert(
        w.cert_prov_address,
        ticket=ticket,
        entity=entity,
        device_id="{6d1f0e8a-1c2b-4e3d-8f5a-0a1b2c3d4e5f}",
        csr_der=csr_der or build_csr(KeyPool("ec-p256").take(), entity=entity),
        request_id="r",
        created=datetime.now(UTC),
    )


def _failure(coro) -> WebServiceFailure:
    with pytest.raises(WebServiceFailure) as caught:
        asyncio.run(coro)
    return caught.value


# -- Web Ticket refusals --------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "pin", "error_id", "reason"),
    [
        ("5551234", "99999", 28020, "Incorrect PIN"),
        ("5550000", "13579", 28021, "User does not exist"),
        ("5551299", "11223", 28000, "User is not SIP enabled"),
    ],
)
def test_web_ticket_refusal_is_a_fault_with_ms_diagnostics(
    web_lab, username, pin, error_id, reason
):
    async def scenario():
        async with web_lab() as w:
            try:
                await w.ticket(username, pin)
            finally:
                assert not w.lab.tickets

    failure = _failure(scenario())
    assert failure.kind == "fault"
    assert failure.http_status == 500
    assert failure.diagnostics is not None
    assert (failure.diagnostics.error_id, failure.diagnostics.reason) == (error_id, reason)
    assert failure.diagnostics.source == "web01.phonesim.test"  # from X-Ms-diagnostics
    assert failure.url.endswith("/WebTicket/WebTicketService.svc/Pin")


# -- GetAndPublishCert refusals -------------------------------------------------


def test_forged_ticket_is_rejected(web_lab):
    async def scenario():
        async with web_lab() as w:
            real = await w.ticket()
            forged = WebTicket(
                assertion_xml=real.assertion_xml.replace(real.assertion_id, "SamlSecurityToken-x"),
                sip_uri=real.sip_uri,
                expires=real.expires,
                assertion_id="SamlSecurityToken-x",
            )
            await _certificate(w, forged)

    failure = _failure(scenario())
    assert failure.kind == "rejected"
    assert failure.diagnostics.error_id == 28061
    assert failure.http_status is None


def test_certificate_for_another_user_than_the_ticket_is_rejected(web_lab):
    async def scenario():
        async with web_lab() as w:
            await _certificate(w, await w.ticket(), entity="bob@phonesim.test")

    failure = _failure(scenario())
    assert (failure.kind, failure.diagnostics.error_id) == ("rejected", 28063)
    assert "bob@phonesim.test" in failure.detail


def test_expired_ticket_is_rejected(web_lab):
    async def scenario():
        async with web_lab(faults=WebFaults(expired_tickets=True)) as w:
            await _certificate(w, await w.ticket())

    failure = _failure(scenario())
    assert (failure.kind, failure.diagnostics.error_id) == ("rejected", 28062)


def test_unreadable_certificate_request_is_rejected(web_lab):
    async def scenario():
        async with web_lab() as w:
            await _certificate(w, await w.ticket(), csr_der=b"not a CSR")

    failure = _failure(scenario())
    assert (failure.kind, failure.diagnostics.error_id) == ("rejected", 28064)


# -- TLS ------------------------------------------------------------------------


def test_https_before_trusting_the_root_chain_fails_tls(web_lab):
    async def scenario():
        async with web_lab(trust=False) as w:
            await w.client.fetch_metadata(w.url(CERT_PROV_PATH + "/mex"))

    failure = _failure(scenario())
    assert failure.kind == "tls"
    assert "certificate verify failed" in failure.detail
    assert "local issuer" in failure.detail


def test_https_trusting_another_ca_fails_tls(web_lab):
    other = LabCertificateAuthority.create(name="Somebody Else CA", now=datetime.now(UTC))

    async def scenario():
        async with web_lab(trust=False) as w:
            w.client.trust(other.chain)
            await w.client.fetch_metadata(w.url(CERT_PROV_PATH + "/mex"))

    assert _failure(scenario()).kind == "tls"


def test_certificate_for_another_name_fails_tls(web_lab):
    async def scenario():
        async with web_lab() as w:
            w.book.learn("pool.phonesim.test", "127.0.0.1")
            await w.client.fetch_metadata(f"https://pool.phonesim.test{CERT_PROV_PATH}/mex")

    failure = _failure(scenario())
    assert failure.kind == "tls"
    assert "pool.phonesim.test" in failure.detail


# -- network ----------------------------------------------------------------------


def test_host_the_phone_never_resolved_is_unresolved(web_lab):
    async def scenario():
        async with web_lab() as w:
            await w.client.fetch_metadata(f"https://elsewhere.phonesim.test{CERT_PROV_PATH}/mex")

    failure = _failure(scenario())
    assert failure.kind == "unresolved"
    assert "elsewhere.phonesim.test" in failure.detail
    assert failure.url == f"https://elsewhere.phonesim.test{CERT_PROV_PATH}/mex"


def test_closed_lab_is_a_connect_failure(web_lab):
    async def scenario():
        async with web_lab() as w:
            await w.client.fetch_metadata(w.url(CERT_PROV_PATH + "/mex"))
            await w.lab.close()
            await w.client.fetch_metadata(w.url(CERT_PROV_PATH + "/mex"))

    assert _failure(scenario()).kind == "connect"


def test_silent_server_is_a_timeout():
    async def scenario():
        async def never_answer(reader, writer):
            await reader.read()  # until the phone gives up and closes
            writer.close()

        server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        book = AddressBook({80: port})
        book.learn("web01.phonesim.test", "127.0.0.1")
        client = WebServicesClient(address_book=book, user_agent="CPE/test", timeout=0.3)
        try:
            await client.fetch_root_chain(f"http://web01.phonesim.test{ROOT_CHAIN_PATH}")
        finally:
            await client.aclose()
            server.close()

    failure = _failure(scenario())
    assert failure.kind == "timeout"
    assert "0.3 s" in failure.detail


# -- HTTP status --------------------------------------------------------------------


def test_missing_mex_is_http_status_404(web_lab):
    mex = CERT_PROV_PATH + "/mex"

    async def scenario():
        async with web_lab(faults=WebFaults(status_by_path={mex: 404})) as w:
            await w.client.fetch_metadata(w.url(mex))

    failure = _failure(scenario())
    assert (failure.kind, failure.http_status) == ("http_status", 404)


def test_refused_root_chain_is_http_status_403(web_lab):
    async def scenario():
        async with web_lab(trust=False, faults=WebFaults(refuse_root_chain=True)) as w:
            await w.client.fetch_root_chain(w.url(ROOT_CHAIN_PATH, secure=False))

    failure = _failure(scenario())
    assert (failure.kind, failure.http_status) == ("http_status", 403)


def test_soap_port_answering_404_is_http_status_not_a_fault(web_lab):
    pin_path = "/WebTicket/WebTicketService.svc/Pin"

    async def scenario():
        async with web_lab(faults=WebFaults(status_by_path={pin_path: 404})) as w:
            await w.ticket()

    failure = _failure(scenario())
    assert (failure.kind, failure.http_status) == ("http_status", 404)


# -- malformed answers -----------------------------------------------------------------


async def _junk_server(body: bytes, content_type: str, tls=None):
    async def answer(request):
        return web.Response(body=body, content_type=content_type)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=tls)
    await site.start()
    return runner, runner.addresses[0][1]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<html>maintenance</html>", "text/html"),
        (b"\x00\x01 not xml", "application/octet-stream"),
        (b"<Envelope/>", "text/xml"),
    ],
)
def test_junk_answers_are_malformed(body, content_type):
    async def scenario():
        # The PIN goes over verified TLS only: the same junk, served over HTTPS too.
        ca = LabCertificateAuthority.create(now=datetime.now(UTC))
        tls = ca.server_ssl_context(["junk.phonesim.test"], now=datetime.now(UTC))
        runner, port = await _junk_server(body, content_type)
        tls_runner, tls_port = await _junk_server(body, content_type, tls)
        book = AddressBook({80: port, 443: tls_port})
        book.learn("junk.phonesim.test", "127.0.0.1")
        client = WebServicesClient(
            address_book=book, user_agent="CPE/test", timeout=5, chain=ca.chain
        )
        kinds = []
        calls = [
            client.fetch_root_chain(f"http://junk.phonesim.test{ROOT_CHAIN_PATH}"),
            client.fetch_metadata(f"http://junk.phonesim.test{CERT_PROV_PATH}/mex"),
            client.request_web_ticket(
                "https://junk.phonesim.test/WebTicket/WebTicketService.svc/Pin",
                applies_to="https://junk.phonesim.test/x",
                username="5551234",
                pin=Pin("13579"),
            ),
        ]
        try:
            for call in calls:
                try:
                    await call
                except WebServiceFailure as exc:
                    kinds.append(exc.kind)
        finally:
            await client.aclose()
            await runner.cleanup()
            await tls_runner.cleanup()
        return kinds

    assert asyncio.run(scenario()) == ["malformed"] * 3
