"""The phone core against the lab's own servers in memory: what each end sees of the other.

Every answer comes from the lab's server logic over bytes and is read by the phone's
own readers, so these hold the pairing to the lab it claims to be; the loopback
smoke tests (tests/scenarios/test_loopback_smoke.py) hold it to the live boot.
"""

from __future__ import annotations

import itertools

from phonesim.codec.ocauthws.endpoints import (
    CERT_PROV_PATH,
    CERT_PROV_PROOF_SUFFIX,
    ROOT_CHAIN_PATH,
    WEB_TICKET_PATH,
    WEB_TICKET_PIN_SUFFIX,
)
from phonesim.core.commands import Abandon
from phonesim.core.outcome import Failure, Success
from phonesim.lab.scenario import load_scenario, load_scenario_text
from phonesim.replay.lab_exchange import captured_exchange
from phonesim.testing import LabPair
from tests.replay.captures import capture


def registrar_scenario(delay: float):
    text = f'[scenario]\nsummary = "a registrar under load"\n[registrar]\ndelay = {delay}\n'
    return load_scenario_text(text, name="slow-registrar", source="test")


def test_a_healthy_boot_signs_in_through_every_lab_server() -> None:
    pair = LabPair()
    outcome = pair.run()
    assert isinstance(outcome, Success) and outcome.stage == "provisioning"
    seen = [(r.scheme, r.method, r.path_qs) for r in pair.lab.web.received]
    assert seen == [
        ("http", "GET", ROOT_CHAIN_PATH),
        ("https", "GET", CERT_PROV_PATH + "/mex"),
        ("https", "GET", WEB_TICKET_PATH + "/mex"),
        ("https", "POST", WEB_TICKET_PATH + WEB_TICKET_PIN_SUFFIX),
        ("https", "POST", CERT_PROV_PATH + CERT_PROV_PROOF_SUFFIX),
    ]
    assert all(b"13579" not in r.body for r in pair.lab.web.received)
    assert pair.lab.dhcp is not None and pair.lab.dhcp.counts["answered"] == 1
    assert pair.lab.registrar.counts["challenged"] == 1
    # Two handshake rounds and the signed REGISTER, on the pool's TLS-DSK end; then the
    # provisioning SUBSCRIBE and the two further subscriptions, signed.
    assert pair.lab.registrar.counts["tls_dsk"] == 6
    tls_dsk = pair.lab.registrar.tls_dsk
    assert tls_dsk is not None
    assert sum(tls_dsk.subscriptions.counts.values()) == 3
    assert tls_dsk is not None and "sip:alice@phonesim.test" in tls_dsk.bindings
    assert pair.lab.web.tickets, "the lab issued the web ticket the phone signed in with"
    # What the phone keeps is what worked, as live.
    final = pair.stored[-1]
    assert final is not None and final.source == "signin"


def test_a_minute_of_dhcp_silence_costs_no_waiting() -> None:
    pair = LabPair(load_scenario("dhcp-silent"))
    outcome = pair.run()
    assert isinstance(outcome, Failure) and outcome.reason == "rootchain.http_404"
    informs = [t for t in pair.traces if t.event == "inform_sent"]
    gave_up = next(t for t in pair.traces if t.event == "gave_up")
    assert len(informs) == 4
    assert 57 <= gave_up.t <= 63  # 4 + 8 + 16 + 32 s, each +/- 1 s of jitter


def request_deadlines(pair: LabPair) -> set[float]:
    """When each request the phone asked is due, read from its trace: the phone waits for a
    DNS, SNTP, web or SIP answer as long as its profile says."""
    profile = pair.profile
    timeouts = {
        ("dns", "query"): profile.dns.timeout,
        ("time", "query"): profile.time.timeout,
        ("rootchain", "request"): profile.web.timeout,
        ("certprov", "metadata_request"): profile.web.timeout,
        ("webticket", "metadata_request"): profile.web.timeout,
        ("webticket", "request"): profile.web.timeout,
        ("certprov", "request"): profile.web.timeout,
        ("registrar", "connect"): profile.sip.timeout,
    }
    return {
        round(t.t + timeouts[(t.stage, t.event)], 6)
        for t in pair.traces
        if (t.stage, t.event) in timeouts
    }


def test_next_deadline_is_the_next_inform_until_dhcp_gives_up() -> None:
    # aioquic asserts get_timer() after every step; here every step between two INFORMs
    # announces the second one, unless a request still open is due before it; once DHCP
    # gave up, only requests are due, and nothing once the boot is over.
    pair = LabPair(load_scenario("dhcp-silent"))
    pair.run()
    sent = [t.t for t in pair.traces if t.event == "inform_sent"]
    gave_up = next(t.t for t in pair.traces if t.event == "gave_up")
    requests = request_deadlines(pair)
    # Traces say time to the microsecond; deadlines are read at the same grain.
    deadlines = [(round(now, 6), d if d is None else round(d, 6)) for now, d in pair.deadlines]
    for this, following in itertools.pairwise([*sent, gave_up]):
        announced = [d for now, d in deadlines if this <= now < following]
        assert announced[-1] == following, (this, following, announced)
        assert set(announced) <= {following} | {r for r in requests if r < following}
    after = [d for now, d in deadlines if now >= gave_up]
    assert set(after[:-1]) <= requests and after[-1] is None


def test_an_untrusted_server_certificate_is_refused_in_openssls_words() -> None:
    pair = LabPair(load_scenario("untrusted-server-certificate"))
    outcome = pair.run()
    assert isinstance(outcome, Failure) and outcome.reason == "certprov.tls"
    assert outcome.evidence["detail"] == (
        "certificate verify failed: unable to get local issuer certificate"
    )
    assert (
        outcome.evidence["server_certificate"]["issuer"] == "CN=Untrusted Issuing CA,O=phonesim lab"
    )
    # The handshake failed: the HTTPS site never saw a request.
    assert [r.scheme for r in pair.lab.web.received] == ["http"]


def test_a_registrar_slower_than_the_sip_timeout_is_a_timeout() -> None:
    pair = LabPair(registrar_scenario(delay=30))
    outcome = pair.run()
    assert isinstance(outcome, Failure) and outcome.reason == "registrar.unreachable"
    connect = next(t for t in pair.traces if t.event == "connect")
    failed = next(t for t in pair.traces if t.stage == "registrar" and t.event == "failed")
    assert failed.fields["kind"] == "timeout"
    assert failed.fields["detail"] == "no SIP answer within 10 s"
    assert round(failed.t - connect.t, 6) == pair.profile.sip.timeout


def test_a_slow_registrar_is_waited_for() -> None:
    pair = LabPair(registrar_scenario(delay=2))
    assert isinstance(pair.run(), Success)
    connect = next(t for t in pair.traces if t.event == "connect")
    challenge = next(t for t in pair.traces if t.event == "challenge")
    assert round(challenge.t - connect.t, 6) == 2 + pair.latency


def test_addresses_the_lab_does_not_hold_refuse_connections_as_on_loopback() -> None:
    pair = LabPair(load_scenario("two-registrars-first-dead"))
    assert isinstance(pair.run(), Success)
    refused = next(t for t in pair.traces if t.stage == "registrar" and t.event == "failed")
    assert (refused.fields["address"], refused.fields["detail"]) == (
        "127.0.0.2",
        "Connection refused",
    )


def test_a_cache_from_an_earlier_boot_skips_dhcp_and_dns_discovery() -> None:
    first = LabPair()
    first.run()
    second = LabPair(cache=first.stored[-1])
    assert isinstance(second.run(), Success)
    assert second.lab.dhcp is not None and second.lab.dhcp.counts["answered"] == 0
    assert [t.event for t in second.traces][:2] == ["power_on", "cache_used"]


def test_an_answer_without_an_fqdn_opens_the_window_instead_of_the_next_inform() -> None:
    # The enterprise server answers at once without option 120; the Communications
    # Server DHCP 50 ms later with it. In between, the phone's DHCP timer is the end of
    # the answer window, not the next INFORM (the DNS search's deadline, 3 s after it
    # asked, comes first while its question is open).
    pair = LabPair(load_scenario("first-answer-without-fqdn"))
    assert isinstance(pair.run(), Success)
    without = next(t for t in pair.traces if t.event == "answer_without_fqdn")
    won = next(t for t in pair.traces if t.event == "answer_won")
    window = pair.profile.dhcp.answer_window
    requests = request_deadlines(pair)
    deadlines = [(round(now, 6), d if d is None else round(d, 6)) for now, d in pair.deadlines]
    between = {d for now, d in deadlines if without.t <= now < won.t}
    assert without.t + window in between and between - requests == {without.t + window}


def test_a_lab_serving_a_capture_answers_with_the_captured_acks() -> None:
    # A lab serving a customer's capture: their two servers, each at its captured delay.
    pair = LabPair(
        dhcp_capture=captured_exchange(capture("two-servers.pcapng")), final_stage="discovery"
    )
    assert isinstance(pair.run(), Success)
    without = next(t for t in pair.traces if t.event == "answer_without_fqdn")
    won = next(t for t in pair.traces if t.event == "answer_won")
    assert (without.fields["server"], won.fields["server"]) == ("192.0.2.5", "192.0.2.6")
    assert round(won.t - without.t, 6) == round(0.0021 - 0.0008, 6)  # the captured delays


def test_a_silent_dns_server_is_timed_out_by_the_phone_itself() -> None:
    # The lab drops every query and the pair delivers nothing: each lookup ends when the
    # phone's own DNS timeout passes, in the resolvers' word, and the phone abandons it.
    text = '[scenario]\nsummary = "a DNS server that never answers"\n[dns]\nsilent = true\n'
    pair = LabPair(load_scenario_text(text, name="dns-silent", source="test"))
    outcome = pair.run()
    assert isinstance(outcome, Failure) and outcome.reason == "rootchain.web_host_unresolved"
    queries = [t for t in pair.traces if t.stage == "dns" and t.event == "query"]
    gave_up = [t for t in pair.traces if t.stage == "dns" and t.event == "no_answer"]
    timeout = pair.profile.dns.timeout
    for query in queries:
        answers = [t for t in gave_up if t.fields["name"] == query.fields["name"]]
        if round(query.t + timeout, 6) > outcome.t:  # still out when the boot ended
            assert answers == []
            continue
        (answer,) = answers
        assert answer.fields["error"] == "timeout"
        assert round(answer.t - query.t, 6) == timeout
    assert len(gave_up) >= 2
    assert len([c for c in pair.commands if isinstance(c, Abandon)]) == len(gave_up)
