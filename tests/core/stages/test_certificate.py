"""The certificate: GetAndPublishCert with the ticket, asked with the web timeout."""

from __future__ import annotations

from phonesim.core.commands import RequestCertificate
from phonesim.core.context import utc
from phonesim.core.events import CertificateAnswered
from phonesim.core.failure import ServiceFailure
from phonesim.core.stages.base import DONE, Failed
from phonesim.core.stages.certificate import Certificate

from ..world import WALL_CLOCK, summary
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


# -- the phone's clock on the wire, and the pool refusing it --------------------------

INVALID_SECURITY = (
    "{http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd}"
    "InvalidSecurity"
)
REFUSAL = "An error occurred when verifying security for the message."


def test_the_request_says_the_phones_clock_as_the_time_server_set_it() -> None:
    bench = Bench(Certificate, cert_prov_auth=AUTH, sip_uri="sip:alice@contoso.test", ticket="T")
    bench.ctx.set_clock(WALL_CLOCK + 1200.0, START - 30.0)
    bench.start()
    assert bench.last(RequestCertificate).phone_time == WALL_CLOCK + 1200.0 + 30.0


def test_an_invalid_security_fault_names_the_phones_clock_and_the_pools() -> None:
    bench = asking()
    asked_at = bench.last(RequestCertificate).phone_time
    failure = ServiceFailure(
        "fault", REFUSAL, http_status=500, fault_code=INVALID_SECURITY, server_time=asked_at - 1200
    )
    step = bench.answer(CertificateAnswered(AUTH, failure=failure), after=0.3)
    assert isinstance(step, Failed) and step.reason == "certprov.invalid_security"
    assert step.evidence["phone_time"] == utc(asked_at).isoformat()
    assert step.evidence["pool_time"] == utc(asked_at - 1200).isoformat()
    assert step.evidence["detail"] == REFUSAL
    assert not step.servers_at_fault


def test_another_fault_stays_a_plain_fault() -> None:
    bench = asking()
    failure = ServiceFailure("fault", "boom", http_status=500, fault_code="{urn:x}Other")
    step = bench.answer(CertificateAnswered(AUTH, failure=failure), after=0.3)
    assert isinstance(step, Failed) and step.reason == "certprov.fault"
