"""Discovery: the INFORM exchange and the DNS registrar search side by side, each with its
deadlines, then the decision; and what goes on in the background once it is taken."""

from __future__ import annotations

import pytest

from phonesim.core.commands import Abandon, ResolveAddress, ResolveSrv, SendDhcp
from phonesim.core.events import AddressResolved, SrvRecord, SrvResolved
from phonesim.core.stages.base import DONE, Failed
from phonesim.core.stages.discovery import Discovery

from ..world import CERT_PROV, DOMAIN, POOL, WEB, dhcp_ack
from .bench import START, Bench

SRV_NAMES = [f"_sipinternaltls._tcp.{DOMAIN}", f"_sipinternal._tcp.{DOMAIN}", f"_sip._tls.{DOMAIN}"]
HOSTS = [f"sipinternal.{DOMAIN}", f"sip.{DOMAIN}", f"sipexternal.{DOMAIN}"]


def started(profile: str = "polycom-cx600") -> Bench:
    bench = Bench(Discovery, profile=profile)
    assert bench.start() is None
    # The update server lookup beside discovery (ucupdates-r2) is answered at once: these
    # tests follow the registrar search.
    assert bench.last(ResolveAddress).host == UPDATES
    bench.answer(AddressResolved(UPDATES, (), "nxdomain"))
    return bench


UPDATES = f"ucupdates-r2.{DOMAIN}"


def inform_due(bench: Bench) -> float:
    return bench.machine.inform.next_deadline()


def test_the_inform_and_the_first_srv_lookup_leave_together_each_with_its_deadline() -> None:
    bench = started()
    assert len(bench.asked(SendDhcp)) == 1
    assert [c.name for c in bench.asked(ResolveSrv)] == SRV_NAMES[:1]
    dns_timeout = bench.profile.dns.timeout
    assert bench.last(ResolveSrv).timeout == dns_timeout
    assert bench.next_deadline() == START + dns_timeout  # before the first retransmission
    assert inform_due(bench) > START + dns_timeout


def test_an_unanswered_lookup_times_out_in_the_phone_and_the_search_goes_on() -> None:
    bench = started()
    dns_timeout = bench.profile.dns.timeout
    assert bench.wait() is None
    assert bench.now == START + dns_timeout
    assert bench.last(Abandon).request == bench.asked(ResolveSrv)[0]
    gave_up = bench.traces("no_answer", "dns")[-1]
    assert (gave_up.fields["name"], gave_up.fields["error"]) == (SRV_NAMES[0], "timeout")
    assert [c.name for c in bench.asked(ResolveSrv)] == SRV_NAMES[:2]
    # The second lookup's deadline is later than the retransmission now due.
    assert bench.next_deadline() == pytest.approx(inform_due(bench))
    assert bench.ctx.requests.earliest() == START + 2 * dns_timeout


def test_the_search_tries_every_srv_name_then_every_host_and_says_what_it_found() -> None:
    bench = started()
    for name in SRV_NAMES:
        bench.answer(SrvResolved(name, (), "nxdomain"), after=0.01)
    for host in HOSTS:
        assert bench.last(ResolveAddress).host == host
        bench.answer(AddressResolved(host, (), "nxdomain"), after=0.01)
    done = bench.traces("registrar_lookup_done")
    assert [t.fields for t in done] == [{"found": [], "source": None}]
    assert bench.ctx.requests.earliest() is None  # DNS is done; only DHCP's timer is left
    assert bench.next_deadline() == inform_due(bench)


def test_a_dhcp_answer_without_option_120_waits_for_dns_then_decides() -> None:
    bench = started()
    payload = bench.last(SendDhcp).payload
    assert bench.dhcp(dhcp_ack(payload, registrars=None, web=WEB), after=0.01) is None
    window = bench.profile.dhcp.answer_window
    assert bench.machine.inform.next_deadline() == pytest.approx(START + 0.01 + window)
    assert bench.wait() is None  # the DNS deadline (3 s) comes after the window (2 s)
    assert bench.traces("waiting_for_dns")[0].fields["why"] == (
        "DHCP gave no registrar FQDN (option 120)"
    )
    assert bench.next_deadline() == START + bench.profile.dns.timeout
    step = bench.answer(SrvResolved(SRV_NAMES[0], (SrvRecord(POOL, 5061),)), after=0.1)
    assert step is DONE
    assert bench.ctx.web_url == CERT_PROV
    assert [r.label() for r in bench.ctx.registrars] == [f"{POOL}:5061"]
    assert bench.ctx.registrar_source == "dns"


def test_once_decided_the_search_runs_on_in_the_background_and_steers_nothing() -> None:
    bench = started()
    payload = bench.last(SendDhcp).payload
    assert bench.dhcp(dhcp_ack(payload, registrars=[POOL]), after=0.01) is DONE
    assert bench.machine.busy  # the window is open and DNS has not answered
    assert bench.answer(SrvResolved(SRV_NAMES[0], (), "nxdomain"), after=0.01) is None
    assert bench.last(ResolveSrv).name == SRV_NAMES[1]  # the search goes on...
    for name in SRV_NAMES[1:]:
        bench.answer(SrvResolved(name, (), "nxdomain"), after=0.01)
    for host in HOSTS:
        assert bench.answer(AddressResolved(host, (), "nxdomain"), after=0.01) is None
    assert bench.traces("registrar_lookup_done")  # ... to its end, traced
    assert len(bench.traces("decided")) == 1
    bench.wait()  # the answer window closes
    assert not bench.machine.busy and bench.next_deadline() is None


def test_strict_naming_refuses_an_srv_target_outside_the_domain() -> None:
    bench = started("polycom-cx600-cu7")  # strict DNS naming came with CU7
    outside = SrvRecord("pool01.fabrikam.test", 5061)
    bench.answer(SrvResolved(SRV_NAMES[0], (outside,)), after=0.01)
    rejected = bench.traces("srv_target_rejected")[0].fields
    assert (rejected["target"], rejected["domain"]) == ("pool01.fabrikam.test", DOMAIN)
    assert bench.last(ResolveSrv).name == SRV_NAMES[1]


def test_neither_dhcp_nor_dns_fails_discovery_after_the_last_retransmission() -> None:
    bench = started()
    for name in SRV_NAMES:
        bench.answer(SrvResolved(name, (), "nxdomain"), after=0.01)
    for host in HOSTS:
        bench.answer(AddressResolved(host, (), "nxdomain"), after=0.01)
    step = None
    while step is None:
        step = bench.wait()
    assert isinstance(step, Failed) and step.reason == "discovery.no_servers"
    assert step.evidence == {"dhcp_answers": 0} and not step.servers_at_fault
    assert len(bench.asked(SendDhcp)) == len(bench.profile.dhcp.retransmit_after)
