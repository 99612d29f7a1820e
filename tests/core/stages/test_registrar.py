"""The registrar: each registrar of the list in turn, each REGISTER with the SIP timeout the
phone keeps itself, until one challenges for TLS-DSK."""

from __future__ import annotations

from phonesim.core.commands import Abandon, ConnectRegistrar, PersistCache, ResolveAddress
from phonesim.core.discovery_cache import RegistrarTarget
from phonesim.core.events import AddressResolved, RegistrarAnswered
from phonesim.core.stages.base import Done, Failed
from phonesim.core.stages.registrar import Registrar

from ..world import CERT_PROV
from .bench import START, Bench

FIRST = RegistrarTarget("pool01.contoso.test", 5061, "tls", "192.0.2.10")
SECOND = RegistrarTarget("pool02.contoso.test", 5061, "tls", "192.0.2.11")


def challenge(command: ConnectRegistrar) -> RegistrarAnswered:
    return RegistrarAnswered(
        command.host,
        command.address,
        command.port,
        status=401,
        reason_phrase="Unauthorized",
        auth_scheme="TLS-DSK",
        offered_schemes=("NTLM", "Kerberos", "TLS-DSK"),
    )


def registering(*targets: RegistrarTarget) -> Bench:
    bench = Bench(Registrar, web_url=CERT_PROV, registrars=list(targets), sip_uri="sip:a@b")
    for target in targets:
        if target.address:
            bench.ctx.names.remember(target.host, target.address)
    assert bench.start() is None
    return bench


def test_a_silent_registrar_times_out_and_the_next_one_is_tried() -> None:
    bench = registering(FIRST, SECOND)
    timeout = bench.profile.sip.timeout
    first = bench.last(ConnectRegistrar)
    assert (first.host, first.timeout) == (FIRST.host, timeout)
    assert bench.next_deadline() == START + timeout
    assert bench.wait() is None
    assert bench.last(Abandon).request is first
    failed = bench.traces("failed", "registrar")[0].fields
    assert (failed["kind"], failed["detail"]) == ("timeout", f"no SIP answer within {timeout:g} s")
    second = bench.last(ConnectRegistrar)
    assert second.host == SECOND.host
    assert bench.next_deadline() == START + 2 * timeout
    step = bench.answer(challenge(second), after=0.02)
    assert isinstance(step, Done) and step.registrar == "pool02.contoso.test:5061"
    # A challenge is not an authentication: the flash is written at the sign-in's 200 OK.
    assert not any(isinstance(c, PersistCache) for c in bench.log)
    assert bench.next_deadline() is None


def test_every_registrar_silent_fails_the_stage_on_the_servers() -> None:
    bench = registering(FIRST, SECOND)
    assert bench.wait() is None
    step = bench.wait()
    assert isinstance(step, Failed) and step.reason == "registrar.unreachable"
    assert step.servers_at_fault and step.evidence["tried"] == [FIRST.label(), SECOND.label()]


def test_a_registrar_whose_name_does_not_resolve_is_skipped() -> None:
    unknown = RegistrarTarget("old-pool.contoso.test", 5061)
    bench = registering(unknown, SECOND)
    assert bench.last(ResolveAddress).host == unknown.host
    assert bench.next_deadline() == START + bench.profile.dns.timeout
    bench.answer(AddressResolved(unknown.host, (), "nxdomain"), after=0.01)
    assert bench.traces("skipped")[0].fields["registrar"] == unknown.label()
    assert bench.last(ConnectRegistrar).host == SECOND.host


def test_an_answer_without_a_tls_dsk_challenge_is_passed_over() -> None:
    bench = registering(FIRST)
    plain = RegistrarAnswered(FIRST.host, FIRST.address or "", 5061, status=403)
    step = bench.answer(plain, after=0.02)
    assert isinstance(step, Failed) and step.reason == "registrar.unreachable"
    assert bench.traces("answer", "registrar")[0].level == "warning"


def test_no_registrar_known_is_not_the_servers_fault() -> None:
    bench = Bench(Registrar, web_url=CERT_PROV, registrar_source="none")
    step = bench.start()
    assert isinstance(step, Failed) and step.reason == "registrar.none_found"
    assert not step.servers_at_fault and bench.next_deadline() is None


def busy(command: ConnectRegistrar, retry_after: int = 120) -> RegistrarAnswered:
    return RegistrarAnswered(
        command.host,
        command.address,
        command.port,
        status=503,
        reason_phrase="Service Unavailable",
        retry_after=retry_after,
        error_id=17000,
        server_reason="Server overloaded.",
    )


def test_a_busy_registrar_is_passed_over_for_the_next_one() -> None:
    bench = registering(FIRST, SECOND)
    assert bench.answer(busy(bench.last(ConnectRegistrar)), after=0.01) is None
    answer = bench.traces("answer", "registrar")[0].fields
    assert (answer["status"], answer["retry_after"], answer["error_id"]) == (503, 120, 17000)
    second = bench.last(ConnectRegistrar)
    assert second.host == SECOND.host
    step = bench.answer(challenge(second), after=0.01)
    assert isinstance(step, Done) and step.registrar == SECOND.label()


def test_a_busy_registrar_with_none_left_fails_naming_the_wait_it_asked_for() -> None:
    bench = registering(FIRST)
    step = bench.answer(busy(bench.last(ConnectRegistrar), retry_after=300), after=0.01)
    assert isinstance(step, Failed) and step.reason == "registrar.busy"
    assert step.servers_at_fault
    assert step.evidence["retry_after"] == 300 and step.evidence["error_id"] == 17000
    assert step.evidence["registrar"] == FIRST.label()
    assert "Retry-After 300 s" in step.message
