"""Readers of what the pool's web services answer: mex, SOAP replies, Ms-Diagnostics.

The SOAP targets take an answer down the phone's own path: the failure judged
on the HTTP answer, the direct reading or zeep's against the WSDL, then the
ticket or certificate taken from it, as `WebServicesClient` does.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import zeep

from phonesim.codec.ocauthws import namespaces as ns
from phonesim.codec.ocauthws.cert_provisioning import certificate_response, error_info_response
from phonesim.codec.ocauthws.client_replies import read_certificate_answer, read_ticket_answer
from phonesim.codec.ocauthws.diagnostics import MsDiagnostics, format_header, parse_header
from phonesim.codec.ocauthws.endpoints import CERT_PROV_PROOF_PORT, WEB_TICKET_PIN_PORT
from phonesim.codec.ocauthws.faults import ms_diagnostics_detail
from phonesim.codec.ocauthws.metadata import parse_metadata
from phonesim.codec.ocauthws.saml import build_assertion
from phonesim.codec.ocauthws.security import ticket_security_header
from phonesim.codec.ocauthws.soap import build_envelope, build_fault
from phonesim.codec.ocauthws.web_ticket import ticket_response
from phonesim.codec.ocauthws.wsdl import CERT_PROV_WSDL, WEB_TICKET_WSDL, published_wsdl
from phonesim.drivers.web_failure import WebServiceFailure
from phonesim.drivers.web_services import (
    _assertions_from,
    _certificate_answer_from,
    _certificate_from,
    _plain_answer,
    _settings,
    _soap_failure,
    _ticket_from,
    _wsdl_document,
)
from tests.fuzz.target import FuzzTarget, text

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
ADDRESS = "https://web01.phonesim.test/WebTicket/WebTicketService.svc/Pin"
_STATUSES = (200, 500)


def _read_mex(data: bytes) -> None:
    metadata = parse_metadata.__wrapped__(data)  # past the memo: every input parsed
    for port in metadata.ports:
        metadata.issuer_for_port(port)


def _fault(error_id: int) -> bytes:
    detail = ms_diagnostics_detail(MsDiagnostics(error_id=error_id, reason="Incorrect PIN"))
    return build_fault((ns.SOAP_ENV, "Client"), "refused", detail=[detail])


def _ticket_answer() -> bytes:
    assertion = build_assertion(
        assertion_id="SamlSecurityToken-1",
        issuer="pool01.phonesim.test",
        sip_uri="sip:5551234@phonesim.test",
        audience="https://web01.phonesim.test/CertProv/CertProvisioningService.svc",
        issued=NOW,
        expires=NOW + timedelta(hours=8),
    )
    payload = ticket_response(
        assertion,
        applies_to="https://web01.phonesim.test/CertProv/CertProvisioningService.svc",
        created=NOW,
        expires=NOW + timedelta(hours=8),
        context="c-1",
    )
    return build_envelope(payload)


@functools.cache
def _binding(wsdl: str, port: str) -> tuple[Any, Any]:
    client = zeep.Client(wsdl=_wsdl_document(wsdl), settings=_settings())
    return client, client.wsdl.bindings[f"{{{ns.AUTH_WEB_SERVICES}}}{port}"]


def _answered(data: bytes, wsdl: str, port: str, operation: str, take: Callable[..., Any]) -> None:
    """One answer, with each status, as the phone's client reads it."""
    client, binding = _binding(wsdl, port)
    for status in _STATUSES:
        response = httpx.Response(
            status, headers={"Content-Type": "text/xml; charset=utf-8"}, content=data
        )
        if _soap_failure(ADDRESS, response) is not None:
            continue
        try:
            take(
                response,
                functools.partial(binding.process_reply, client, binding.get(operation), response),
            )
        except WebServiceFailure:
            continue
        except Exception as exc:
            # `WebServicesClient._failures` makes every other exception raised while reading
            # an answer a named failure (`malformed`, or zeep's own mapping), so only running
            # out of memory or stack here is the phone's bug.
            if isinstance(exc, MemoryError | RecursionError):
                raise


def _take_ticket(response: httpx.Response, zeep_reply: Callable[[], Any]) -> None:
    assertions = read_ticket_answer(response.content) if _plain_answer(response) else None
    if assertions is None:
        assertions = _assertions_from(zeep_reply())
    ticket = _ticket_from(assertions, ADDRESS)
    ticket_security_header(ticket.assertion_xml, created=NOW, expires=ticket.expires)


def _take_certificate(response: httpx.Response, zeep_reply: Callable[[], Any]) -> None:
    answer = read_certificate_answer(response.content) if _plain_answer(response) else None
    if answer is None:
        answer = _certificate_answer_from(zeep_reply())
    _certificate_from(answer, ADDRESS)


def _read_ticket_answer(data: bytes) -> None:
    _answered(data, WEB_TICKET_WSDL, WEB_TICKET_PIN_PORT, "IssueToken", _take_ticket)


def _read_certificate_answer(data: bytes) -> None:
    _answered(data, CERT_PROV_WSDL, CERT_PROV_PROOF_PORT, "GetAndPublishCert", _take_certificate)


def _certificate_seeds() -> list[bytes]:
    # The seed's token is only base64 text: summarising a real certificate is the
    # certificate target's business, not this one's.
    token = base64.b64decode(base64.b64encode(b"\x30\x03\x02\x01\x00"))
    return [
        build_envelope(certificate_response(token, request_id="7")),
        build_envelope(error_info_response(-2147467259, "Certificate request refused")),
        _fault(28020),
    ]


WEB_TARGETS = [
    FuzzTarget(
        "mex",
        _read_mex,
        lambda: [
            published_wsdl(CERT_PROV_WSDL, "web01.phonesim.test"),
            published_wsdl(WEB_TICKET_WSDL, "web01.phonesim.test"),
        ],
        max_size=32768,
    ),
    FuzzTarget(
        "ms-diagnostics-header",
        lambda data: parse_header(text(data)),
        lambda: [
            format_header(MsDiagnostics(28020, "Incorrect PIN", "pool01.phonesim.test")).encode(),
            b'28000;reason="User is not SIP enabled"',
        ],
    ),
    FuzzTarget(
        "web-ticket-answer",
        _read_ticket_answer,
        lambda: [_ticket_answer(), _fault(28020), _fault(28000)],
        max_size=16384,
    ),
    FuzzTarget("certificate-answer", _read_certificate_answer, _certificate_seeds, max_size=16384),
]
