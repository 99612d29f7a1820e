"""What arrives when nothing in the phone waits for it is recorded, never dropped in silence
(h11 raises LocalProtocolError for an event in the wrong state; a phone cannot refuse
the network, so it says what it ignored and goes on)."""

from __future__ import annotations

from phonesim.core.commands import QueryTime
from phonesim.core.events import SrvRecord, SrvResolved
from phonesim.core.outcome import Success

from .world import DOMAIN, POOL, Boot

REGISTRAR_SRV = f"_sipinternaltls._tcp.{DOMAIN}"


def ignored(boot: Boot) -> list[dict[str, object]]:
    return [t.fields for t in boot.traces("event_ignored", "boot")]


def test_a_dhcp_answer_after_the_phone_stopped_listening_is_recorded_and_not_used() -> None:
    boot = Boot()
    boot.feed(boot.ack(server="192.0.2.7", registrars=None, web=None), after=0.01)
    boot.tick(boot.phone.profile.dhcp.answer_window + 0.1)  # the window closes; DNS is awaited
    assert boot.traces("waiting_for_dns")
    boot.feed(boot.ack(server="192.0.2.5", registrars=[POOL]), after=0.1)
    assert ignored(boot) == [
        {
            "event": "DhcpReceived",
            "about": "192.0.2.5:67",
            "why": "the phone no longer listens for DHCP answers",
        }
    ]
    assert boot.traces("answer_won") == []
    assert boot.traces("answer", "dhcp")[-1].fields["server"] == "192.0.2.7"


def test_an_answer_after_the_phone_stopped_waiting_for_it_changes_nothing() -> None:
    boot = Boot()
    timeout = boot.phone.profile.dns.timeout
    boot.tick(timeout)  # nobody answers the registrar SRV lookup sent at power-on
    gave_up = boot.trace("no_answer", "dns")
    assert (gave_up.fields["name"], gave_up.fields["error"]) == (REGISTRAR_SRV, "timeout")
    asked = [t.fields["name"] for t in boot.traces("query", "dns")]
    boot.feed(SrvResolved(REGISTRAR_SRV, (SrvRecord(POOL, 5061),)), after=0.5)
    assert ignored(boot) == [
        {
            "event": "SrvResolved",
            "about": REGISTRAR_SRV,
            "why": "the phone waits for no such answer: it came again, or late",
        }
    ]
    # Not taken as the registrar, not traced as an answer: the search went on without it.
    assert [t.fields["name"] for t in boot.traces("query", "dns")] == asked
    assert boot.traces("answer", "dns") == []
    assert boot.traces("registrar_lookup_done") == []


def test_an_answer_given_twice_is_taken_once() -> None:
    boot = Boot()
    boot.feed(boot.ack(registrars=[POOL]), after=0.01)
    while not boot.of(QueryTime):  # the world answers, in order, until time is asked
        event = boot.world.answer(boot.pending.pop(0), boot.now)
        assert event is not None
        boot.feed(event, after=0.01)
    query = boot.of(QueryTime)[0]
    boot.pending.remove(query)
    answer = boot.world.answer(query, boot.now)
    assert answer is not None
    boot.feed(answer, after=0.01)
    boot.feed(answer, after=0.01)
    assert len(boot.traces("synchronized")) == 1
    assert ignored(boot) == [
        {
            "event": "TimeAnswered",
            "about": query.server,
            "why": "the phone waits for no such answer: it came again, or late",
        }
    ]
    boot.settle()
    assert isinstance(boot.phone.outcome, Success)
