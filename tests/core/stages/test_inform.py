"""The DHCPINFORM exchange alone (the stage a boot asked to stop after DHCP runs): its
retransmissions, its answer window and its verdict, with `next_deadline()` after each step."""

from __future__ import annotations

import random

import pytest

from phonesim.core.commands import PersistCache, SendDhcp, StopDhcp
from phonesim.core.events import DhcpReceived
from phonesim.core.stages.base import Done, Failed
from phonesim.core.stages.inform import DhcpAlone

from ..world import POOL, WEB, dhcp_ack
from .bench import START, Bench


def inform(bench: Bench) -> bytes:
    return bench.last(SendDhcp).payload


def next_wait(bench: Bench) -> float:
    return bench.traces("inform_sent")[-1].fields["next_wait"]


def test_each_inform_announces_the_next_until_the_last_goes_unanswered() -> None:
    bench = Bench(DhcpAlone)
    assert bench.start() is None
    retransmit_after = bench.profile.dhcp.retransmit_after
    jitter = bench.profile.dhcp.retransmit_jitter
    for attempt, nominal in enumerate(retransmit_after, start=1):
        sent_at = bench.now
        assert len(bench.asked(SendDhcp)) == attempt
        assert bench.next_deadline() == pytest.approx(sent_at + next_wait(bench), abs=0.0005)
        assert nominal - jitter <= bench.next_deadline() - sent_at <= nominal + jitter
        step = bench.wait()
        if attempt < len(retransmit_after):
            assert step is None
    assert isinstance(step, Failed) and step.reason == "dhcp.timeout"
    assert bench.traces("gave_up")[0].fields["attempts"] == len(retransmit_after)
    assert bench.asked(StopDhcp)
    assert bench.next_deadline() is None and not bench.machine.busy
    # One transaction: every retransmission carries the first INFORM's xid.
    assert len({c.xid for c in bench.asked(SendDhcp)}) == 1


def test_an_answer_with_an_fqdn_wins_and_the_window_stays_open_for_later_answers() -> None:
    bench = Bench(DhcpAlone)
    bench.start()
    payload = inform(bench)
    step = bench.dhcp(dhcp_ack(payload, registrars=[POOL]), after=0.05)
    assert isinstance(step, Done)
    assert (step.web_url, step.registrar) == (
        f"https://{WEB}:443/CertProv/CertProvisioningService.svc",
        POOL,
    )
    cached = bench.last(PersistCache).cache
    assert cached.source == "dhcp" and cached.registrars[0].host == POOL
    # No more retransmissions; the window for later answers is the one timer.
    window = bench.profile.dhcp.answer_window
    assert bench.next_deadline() == pytest.approx(START + 0.05 + window)
    assert bench.machine.busy and bench.machine.listens_for_dhcp
    later = bench.dhcp(dhcp_ack(payload, server="192.0.2.6", registrars=["x"]), after=1)
    assert later is None
    assert bench.traces("answer_ignored")[-1].fields["server"] == "192.0.2.6"
    assert bench.next_deadline() == pytest.approx(START + 0.05 + window)  # still the first's
    bench.wait()  # the window closes
    assert bench.asked(StopDhcp) and not bench.machine.busy
    assert bench.next_deadline() is None


def test_an_answer_without_an_fqdn_opens_the_window_and_fails_when_it_closes() -> None:
    bench = Bench(DhcpAlone)
    bench.start()
    window = bench.profile.dhcp.answer_window
    step = bench.dhcp(dhcp_ack(inform(bench), registrars=None, web=None), after=0.1)
    assert step is None
    assert bench.next_deadline() == pytest.approx(START + 0.1 + window)  # not the next INFORM
    step = bench.wait()
    assert isinstance(step, Failed) and step.reason == "dhcp.no_fqdn"
    assert len(bench.asked(SendDhcp)) == 1
    assert bench.next_deadline() is None


def test_answers_the_phone_cannot_use_are_traced_and_change_nothing() -> None:
    bench = Bench(DhcpAlone)
    bench.start()
    deadline = bench.next_deadline()
    assert bench.dhcp(DhcpReceived(b"\x02\x01", "192.0.2.9:67"), after=0.01) is None
    other = Bench(DhcpAlone, rng=random.Random(8))  # another phone's transaction
    other.start()
    assert bench.dhcp(dhcp_ack(inform(other), registrars=[POOL]), after=0.01) is None
    assert [t.event for t in bench.traces(stage="dhcp")][1:] == [
        "answer_malformed",
        "answer_not_ours",
    ]
    assert bench.next_deadline() == deadline  # neither is an answer: the INFORM is still due
