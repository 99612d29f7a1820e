"""The certificate: GetAndPublishCert with the ticket, asked with the web timeout."""

from __future__ import annotations

from phonesim.core.commands import RequestCertificate
from phonesim.core.events import CertificateAnswered
from phonesim.core.stages.base import DONE, Failed
from phonesim.core.stages.certificate import Certificate

from ..world import summary
from .bench import START, Bench

AUTH = "https://web01.contoso.test/CertProv/CertProvisioningService.svc/WebTicket_Proof_SHA1"


def asking() -> Bench:
    bench = Bench(Certificate, cert_prov_auth=AUTH, sip_uri="sip:alice@contoso.test", ticket="T")
    assert bench.start() is None
    return bench


def test_the_request_carries_the_ticket_the_entity_and_the_device_id() -> None:
    bench = asking()
    request = bench.last(RequestCertificate)
    assert (request.address, request.ticket, request.entity) == (AUTH, "T", "alice@contoso.test")
    assert request.device_id == bench.ctx.identity.device_id
    assert bench.next_deadline() == START + bench.profile.web.timeout
    answer = CertificateAnswered(AUTH, certificate=summary("CN=alice@contoso.test"))
    assert bench.answer(answer, after=0.3) is DONE
    assert bench.traces("issued")[0].fields["valid_on_phone_clock"] is True
    assert bench.next_deadline() is None


def test_an_answer_without_a_certificate_is_a_malformed_answer() -> None:
    bench = asking()
    step = bench.answer(CertificateAnswered(AUTH), after=0.3)
    assert isinstance(step, Failed) and step.reason == "certprov.malformed"


def test_a_silent_certprov_is_a_timeout() -> None:
    bench = asking()
    step = bench.wait()
    assert isinstance(step, Failed) and step.reason == "certprov.timeout"
    assert bench.now == START + bench.profile.web.timeout
