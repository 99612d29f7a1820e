"""Time: option 42's servers, else the `_ntp._udp` targets, each with the SNTP timeout the
phone keeps itself; time never fails a boot."""

from __future__ import annotations

from phonesim.core.commands import Abandon, QueryTime, ResolveAddress, ResolveSrv
from phonesim.core.events import AddressResolved, SrvRecord, SrvResolved, TimeAnswered
from phonesim.core.stages.base import DONE
from phonesim.core.stages.time_sync import TimeSync

from ..world import DOMAIN, WALL_CLOCK
from .bench import START, Bench


def test_option_42_servers_are_asked_in_turn_each_until_its_timeout() -> None:
    bench = Bench(TimeSync, ntp_servers=("192.0.2.123", "192.0.2.124"))
    assert bench.start() is None
    timeout = bench.profile.time.timeout
    assert bench.last(QueryTime).address == "192.0.2.123"
    assert bench.next_deadline() == START + timeout
    assert bench.wait() is None  # the first says nothing
    assert bench.last(Abandon).request == bench.asked(QueryTime)[0]
    assert bench.traces("no_answer", "time")[0].fields == {
        "server": "192.0.2.123",
        "error": f"no answer within {timeout:g} s",
    }
    assert bench.last(QueryTime).address == "192.0.2.124"
    assert bench.next_deadline() == START + 2 * timeout
    step = bench.answer(TimeAnswered("192.0.2.124", WALL_CLOCK + 3600), after=0.5)
    assert step is DONE
    assert bench.next_deadline() is None
    assert bench.ctx.wall_time(bench.now) == WALL_CLOCK + 3600  # the phone's clock is set
    assert bench.asked(ResolveSrv) == []


def test_without_option_42_the_srv_targets_are_resolved_and_asked() -> None:
    bench = Bench(TimeSync)
    bench.start()
    srv = bench.last(ResolveSrv)
    assert srv.name == f"_ntp._udp.{DOMAIN}"
    assert bench.next_deadline() == START + bench.profile.dns.timeout
    bench.answer(SrvResolved(srv.name, (SrvRecord(f"ntp.{DOMAIN}", 1123),)), after=0.01)
    assert bench.last(ResolveAddress).host == f"ntp.{DOMAIN}"
    bench.answer(AddressResolved(f"ntp.{DOMAIN}", ("192.0.2.30",)), after=0.01)
    query = bench.last(QueryTime)
    assert (query.address, query.port) == ("192.0.2.30", 1123)
    assert bench.next_deadline() == bench.now + bench.profile.time.timeout


def test_no_time_server_answering_keeps_the_phone_clock_and_goes_on() -> None:
    bench = Bench(TimeSync)
    bench.start()
    assert bench.wait() is None  # the SRV lookup times out: the fallback host is tried
    fallback = bench.profile.dns.ntp_fallback_host
    assert bench.last(ResolveAddress).host == fallback
    bench.answer(AddressResolved(fallback, ("192.0.2.31",)), after=0.01)
    assert bench.wait() is DONE  # the fallback is silent too
    assert bench.traces("unsynchronized")
    assert bench.ctx.wall_time(bench.now) == WALL_CLOCK + (bench.now - START)
    assert bench.next_deadline() is None
