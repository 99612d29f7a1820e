"""What a hostile or broken server may put in an error id or a service document.

Each case is a reproducer from the hardening review: before the fix it escaped as
ValueError or TypeError and crashed the boot; now it is read as "no id" or as a
named failure.
"""

from __future__ import annotations

import httpx
import pytest
import zeep

from phonesim.codec.ocauthws import namespaces as ns
from phonesim.codec.ocauthws.client_replies import read_certificate_answer
from phonesim.codec.ocauthws.diagnostics import parse_header
from phonesim.codec.ocauthws.faults import read_ms_diagnostics
from phonesim.codec.ocauthws.metadata import parse_metadata
from phonesim.codec.ocauthws.wire import parse_xml
from phonesim.codec.ocauthws.wsdl import CERT_PROV_WSDL
from phonesim.drivers.web_failure import WebServiceFailure
from phonesim.drivers.web_services import (
    _certificate_answer_from,
    _certificate_from,
    _settings,
    _wsdl_document,
)
from phonesim.errors import MalformedServiceDocument

_FAULT = b'<af:Ms-Diagnostics-Fault xmlns:af="urn:component:Microsoft.Rtc.WebAuthentication.2010">'
_WSDL = b'xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"'


@pytest.mark.parametrize("head", ["²", "①", "9" * 5000, "１２３", "--5", "0x1f", "-"])
def test_d5_header_without_an_ascii_error_id_is_noise(head: str) -> None:
    assert parse_header(f'{head};reason="x"') is None


def test_d5_header_with_a_real_error_id_is_still_read() -> None:
    diagnostics = parse_header('28020;source="pool01.phonesim.test";reason="Incorrect PIN"')
    assert diagnostics is not None
    assert (diagnostics.error_id, diagnostics.source) == (28020, "pool01.phonesim.test")


@pytest.mark.parametrize("error_id", [b"9" * 5000, "²".encode(), b""])
def test_d5_fault_error_id_that_is_not_a_number_gives_no_diagnostics(error_id: bytes) -> None:
    fault = parse_xml(
        _FAULT + b"<af:ErrorId>" + error_id + b"</af:ErrorId></af:Ms-Diagnostics-Fault>", "f"
    )
    assert read_ms_diagnostics(fault) is None


@pytest.mark.parametrize("intruder", [b"<?x y?>", b"<!-- c -->"])
def test_d6_processing_instruction_in_a_fault_detail_is_skipped(intruder: bytes) -> None:
    document = _FAULT + intruder + b"<af:ErrorId>28020</af:ErrorId></af:Ms-Diagnostics-Fault>"
    diagnostics = read_ms_diagnostics(parse_xml(document, "fault"))
    assert diagnostics is not None and diagnostics.error_id == 28020


@pytest.mark.parametrize(
    "document",
    [
        b"<wsdl:d "
        + _WSDL
        + b'><wsdl:port name="p"><?x?><address location="l"/></wsdl:port></wsdl:d>',
        b'<!DOCTYPE d [<!ENTITY e "x">]><wsdl:d '
        + _WSDL
        + b'><wsdl:port name="p">&e;<address location="l"/></wsdl:port></wsdl:d>',
    ],
)
def test_d6_processing_instruction_or_entity_in_a_port_is_skipped(document: bytes) -> None:
    assert parse_metadata.__wrapped__(document).ports == {"p": "l"}


def test_d6_undeclared_prefix_is_a_malformed_document() -> None:
    with pytest.raises(MalformedServiceDocument):
        parse_metadata.__wrapped__(b'<s:E><b xmlns="h"/></s:E>')


def _certificate_reply(error_id: bytes) -> bytes:
    return (
        b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
        b'<GetAndPublishCertResponse xmlns="http://schemas.microsoft.com/OCS/AuthWebServices/">'
        b"<ErrorInfo>" + error_id + b"<Reason>x</Reason></ErrorInfo>"
        b"</GetAndPublishCertResponse></s:Body></s:Envelope>"
    )


@pytest.mark.parametrize(
    "error_id", [b"<ErrorId/>", b"<ErrorId>" + b"9" * 5000 + b"</ErrorId>", b"<ErrorId>x</ErrorId>"]
)
def test_d8_refusal_without_a_usable_error_id_is_a_refusal_without_diagnostics(
    error_id: bytes,
) -> None:
    client = zeep.Client(wsdl=_wsdl_document(CERT_PROV_WSDL), settings=_settings())
    binding = client.wsdl.bindings[
        f"{{{ns.AUTH_WEB_SERVICES}}}CertProvisioningServiceWebTicketProof_SHA1"
    ]
    body = _certificate_reply(error_id)
    reply = httpx.Response(200, headers={"Content-Type": "text/xml; charset=utf-8"}, content=body)
    answers = [
        _certificate_answer_from(
            binding.process_reply(client, binding.get("GetAndPublishCert"), reply)
        )
    ]
    plain = read_certificate_answer(body)
    if plain is not None:
        answers.append(plain)
    for answer in answers:
        with pytest.raises(WebServiceFailure) as refused:
            _certificate_from(answer, "https://web01.phonesim.test/")
        assert (refused.value.kind, refused.value.diagnostics) == ("rejected", None)
        assert refused.value.detail == "x"


@pytest.mark.parametrize("error_id", [28020, -2147467259])
def test_d8_refusal_with_an_error_id_keeps_it(error_id: int) -> None:
    reply = _certificate_reply(f"<ErrorId>{error_id}</ErrorId>".encode())
    answer = read_certificate_answer(reply)
    assert answer is not None
    with pytest.raises(WebServiceFailure) as refused:
        _certificate_from(answer, "https://web01.phonesim.test/")
    assert refused.value.diagnostics is not None
    assert refused.value.diagnostics.error_id == error_id
