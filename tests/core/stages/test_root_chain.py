"""The root chain: the web host resolved, the chain fetched within the web timeout, each
certificate checked against the phone's own clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from phonesim.core.commands import FetchRootChain, ResolveAddress, TrustRootChain
from phonesim.core.events import AddressResolved, RootChainFetched
from phonesim.core.stages.base import DONE, Failed
from phonesim.core.stages.root_chain import RootChain

from ..world import CERT_PROV, WEB, summary
from .bench import START, Bench


def fetching() -> Bench:
    bench = Bench(RootChain, web_url=CERT_PROV)
    assert bench.start() is None
    assert bench.last(ResolveAddress).host == WEB
    assert bench.next_deadline() == START + bench.profile.dns.timeout
    assert bench.answer(AddressResolved(WEB, ("192.0.2.20",)), after=0.01) is None
    return bench


def test_the_chain_is_asked_with_the_web_timeout_and_trusted_when_valid() -> None:
    bench = fetching()
    fetch = bench.last(FetchRootChain)
    assert fetch.url == f"http://{WEB}/CertProv/CertProvisioningService.svc/rootchain"
    assert bench.next_deadline() == bench.now + bench.profile.web.timeout
    step = bench.answer(RootChainFetched(fetch.url, (summary("CN=Contoso Root CA"),)), after=0.2)
    assert step is DONE and bench.asked(TrustRootChain)
    assert bench.next_deadline() is None


def test_a_silent_web_server_is_a_timeout_the_cache_may_be_blamed_for() -> None:
    bench = fetching()
    step = bench.wait()
    assert isinstance(step, Failed) and step.reason == "rootchain.timeout"
    assert step.servers_at_fault
    timeout = bench.profile.web.timeout
    assert step.evidence["detail"] == f"no answer within {timeout:g} s"
    assert step.message.endswith(f"timeout (no answer within {timeout:g} s)")


def test_a_certificate_not_valid_on_the_phone_clock_fails_the_stage() -> None:
    bench = fetching()
    fetch = bench.last(FetchRootChain)
    later = replace(summary("CN=Contoso Root CA"), not_before=datetime(2030, 1, 1, tzinfo=UTC))
    step = bench.answer(RootChainFetched(fetch.url, (later,)), after=0.1)
    assert isinstance(step, Failed) and step.reason == "rootchain.not_valid_on_phone_clock"
    assert bench.asked(TrustRootChain) == []


def test_a_web_host_that_does_not_resolve_fails_before_anything_is_fetched() -> None:
    bench = Bench(RootChain, web_url=CERT_PROV)
    bench.start()
    step = bench.answer(AddressResolved(WEB, (), "nxdomain"), after=0.01)
    assert isinstance(step, Failed) and step.reason == "rootchain.web_host_unresolved"
    assert bench.asked(FetchRootChain) == []
