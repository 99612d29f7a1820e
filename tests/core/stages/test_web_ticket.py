"""The web ticket: the CertProvisioningService's metadata, the Web Ticket service's, then the
PIN, each asked with the web timeout; a refused PIN is the user's fault, not the servers'."""

from __future__ import annotations

from phonesim.core.commands import FetchMetadata, RequestWebTicket
from phonesim.core.events import MetadataFetched, WebTicketAnswered
from phonesim.core.failure import ServiceFailure
from phonesim.core.stages.base import DONE, Failed
from phonesim.core.stages.web_ticket import WebTicket

from ..world import CERT_PROV, PIN_DIGITS, WALL_CLOCK, WEB, World
from .bench import Bench


def asking_for_the_pin() -> Bench:
    bench = Bench(WebTicket, web_url=CERT_PROV)
    world = World()
    assert bench.start() is None
    timeout = bench.profile.web.timeout
    for step in range(2):  # the two metadata documents, one after the other
        fetch = bench.last(FetchMetadata)
        assert len(bench.asked(FetchMetadata)) == step + 1
        assert bench.next_deadline() == bench.now + timeout
        assert bench.answer(world.answer(fetch, bench.now), after=0.05) is None
    assert bench.next_deadline() == bench.now + timeout
    return bench


def test_the_pin_goes_to_the_endpoint_the_metadata_named_and_the_ticket_comes_back() -> None:
    bench = asking_for_the_pin()
    request = bench.last(RequestWebTicket)
    assert request.address == f"https://{WEB}/WebTicket/WebTicketService.svc/Pin"
    assert request.pin.reveal() == PIN_DIGITS
    assert bench.ctx.cert_prov_auth.endswith("/WebTicket_Proof_SHA1")
    answer = WebTicketAnswered(
        request.address, sip_uri="sip:alice@contoso.test", expires_unix=WALL_CLOCK, ticket="T"
    )
    assert bench.answer(answer, after=0.1) is DONE
    assert (bench.ctx.sip_uri, bench.ctx.ticket) == ("sip:alice@contoso.test", "T")
    assert bench.next_deadline() is None


def test_a_refused_pin_ends_the_boot_whoever_named_the_servers() -> None:
    bench = asking_for_the_pin()
    address = bench.last(RequestWebTicket).address
    refusal = ServiceFailure("fault", "wrong PIN", error_id=28020, reason="PIN is invalid")
    step = bench.answer(WebTicketAnswered(address, failure=refusal), after=0.1)
    assert isinstance(step, Failed) and not step.servers_at_fault
    assert step.stage == "webticket" and step.evidence["error_id"] == 28020


def test_a_silent_certprov_metadata_is_a_certprov_timeout() -> None:
    bench = Bench(WebTicket, web_url=CERT_PROV)
    bench.start()
    step = bench.wait()
    assert isinstance(step, Failed) and step.reason == "certprov.timeout"
    assert step.servers_at_fault
    assert bench.asked(RequestWebTicket) == []


def test_metadata_without_the_pin_endpoint_fails_without_asking_for_the_pin() -> None:
    bench = Bench(WebTicket, web_url=CERT_PROV)
    world = World()
    bench.start()
    bench.answer(world.answer(bench.last(FetchMetadata), bench.now), after=0.05)
    second = bench.last(FetchMetadata)
    step = bench.answer(MetadataFetched(second.url, ports={"WebTicketServiceWinNegotiate": "x"}))
    assert isinstance(step, Failed) and step.reason == "webticket.no_pin_endpoint"
    assert bench.asked(RequestWebTicket) == [] and bench.next_deadline() is None
