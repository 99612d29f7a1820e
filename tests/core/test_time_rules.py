"""The device's time rules, one named test each (fidelity rows 38-40).

UP-c8af0c49: "Lync 2010 Phone Edition requires NTP to set the correct time and date";
it "searches for an NTP server in DNS ... _ntp._udp.<SIP domain>", then uses
time.windows.com. Seed 002 lists a DHCP "Time server" option for "an intranet only
environment and a PIN authentication scenario": Windows DHCP's option 004 ("Time
Server"); 042 is "NTP Servers".
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from phonesim.codec.dhcp_message import decode_dhcp_message
from phonesim.core.commands import QueryTime
from phonesim.core.outcome import Failure, Success
from phonesim.lab.scenario import load_scenario
from phonesim.profiles import load_profile
from phonesim.testing import LabPair

from .world import DOMAIN, POOL, WALL_CLOCK, Boot, World

FACTORY = "2010-01-01T00:00:00+00:00"


def without_time_servers() -> World:
    world = World()
    world.srv.pop(f"_ntp._udp.{DOMAIN}")
    world.a.pop(f"ntp.{DOMAIN}")
    return world


def test_the_inform_asks_for_option_4_time_server_beside_option_42() -> None:
    inform = decode_dhcp_message(Boot().informs[0].payload)
    assert {4, 42} <= set(inform.parameter_request_list)


def test_option_4_time_server_is_used_when_dhcp_gives_no_option_42() -> None:
    """Fidelity row 39: a DHCP time-server option (004, and 042)."""
    boot = Boot(world=without_time_servers())
    boot.feed(boot.ack(registrars=[POOL], extra=[(4, bytes([192, 0, 2, 124]))]), after=0.01)
    boot.settle()
    assert boot.trace("answer", "dhcp").fields["option_4"] == ["192.0.2.124"]
    assert [c.address for c in boot.of(QueryTime)] == ["192.0.2.124"]
    assert isinstance(boot.phone.outcome, Success)


def test_option_42_comes_before_option_4_in_the_profiles_order() -> None:
    boot = Boot()
    option_4, option_42 = (4, bytes([192, 0, 2, 124])), (42, bytes([192, 0, 2, 123]))
    boot.feed(boot.ack(registrars=[POOL], extra=[option_4, option_42]), after=0.01)
    boot.settle()
    assert boot.of(QueryTime)[0].address == "192.0.2.123"


def test_the_phone_clock_at_power_on_is_the_profiles_not_the_machines() -> None:
    boot = Boot(final_stage="discovery")
    assert datetime.fromtimestamp(boot.phone.wall_time(boot.now), UTC).isoformat() == FACTORY
    host = load_profile("polycom-cx600")
    host = replace(host, time=replace(host.time, clock_at_power_on="host"))
    assert Boot(profile=host).phone.wall_time(1000.0) == WALL_CLOCK


def test_ntp_is_required_a_sign_in_without_a_time_server_fails_at_the_certificate_checks() -> None:
    """Fidelity row 40: NTP is required."""
    boot = Boot(world=without_time_servers())
    boot.feed(boot.ack(registrars=[POOL]), after=0.01)
    boot.settle()
    assert boot.trace("unsynchronized").fields["clock"].startswith("2010-01-01T00:00:0")
    outcome = boot.phone.outcome
    assert isinstance(outcome, Failure)
    assert outcome.reason == "rootchain.not_valid_on_phone_clock"


def test_ntp_unreachable_scenario_fails_at_the_root_chain_and_names_the_missing_time_server() -> (
    None
):
    pair = LabPair(load_scenario("ntp-unreachable"))
    outcome = pair.run()
    assert isinstance(outcome, Failure) and outcome.reason == "rootchain.not_valid_on_phone_clock"
    assert any(t.event == "unsynchronized" for t in pair.traces)
    assert not any(t.event == "synchronized" for t in pair.traces)
