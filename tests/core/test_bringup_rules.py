"""The device's bring-up rules (fidelity rows 1-5), one named test each, against the lab's
site DHCP server and switch in memory.

UP-7416ff3a: "Devices running Lync 2010 will first send an ... (LLDP) request to the
switch. If the switch does not respond in time, the device falls back to DHCP to discover
the VLAN." gg412828: "a VLAN ID request (vendor class ID: CPE-OCPHONE)". Seed 000: "After
acquiring an IP address, a device needs to get the web address..."; UP-9170aa30: the DNS
domain "that was provided by DHCP".
"""

from __future__ import annotations

import itertools

from phonesim.codec.dhcp_message import (
    DHCPDISCOVER,
    DHCPINFORM,
    DHCPRELEASE,
    DHCPREQUEST,
    decode_dhcp_message,
)
from phonesim.core import trace_bringup as tb
from phonesim.core import trace_schema as ts
from phonesim.core.commands import JoinVlan, ListenLldp, SendDhcp
from phonesim.core.identity import NetworkSettings
from phonesim.core.outcome import Failure, Success
from phonesim.core.stage import Stage
from phonesim.lab.scenario import LabScenario, load_scenario, load_scenario_text
from phonesim.testing import LabPair

SITE = """
[scenario]
summary = "a site DHCP server that gives VLAN 150 and leases"

[enterprise_dhcp]
vlan = 150
pool_dhcp_vlans = [150]
"""


def site(extra: str = "", base: str = SITE) -> LabScenario:
    return load_scenario_text(base + extra, name="site", source="test_bringup_rules")


def sent(pair: LabPair) -> list[tuple[float, int, str | None, str]]:
    """Every DHCP message the phone sent: (when, type, vendor class, ciaddr)."""
    out = []
    at = 0.0
    for command in pair.commands:
        if isinstance(command, SendDhcp):
            message = decode_dhcp_message(command.payload)
            assert message.message_type is not None
            out.append((at, message.message_type, message.vendor_class, message.ciaddr))
    return out


def kinds(pair: LabPair) -> list[int]:
    return [kind for _, kind, _, _ in sent(pair)]


def events(pair: LabPair) -> list[str]:
    return [f"{t.stage}.{t.event}" for t in pair.traces]


# -- row 1: LLDP-MED first ---------------------------------------------------------------


def test_lldp_med_is_listened_for_before_any_dhcp() -> None:
    """Fidelity row 1: VLAN from LLDP-MED first."""
    pair = LabPair(site())
    pair.run()
    first_listen = next(i for i, c in enumerate(pair.commands) if isinstance(c, ListenLldp))
    first_dhcp = next(i for i, c in enumerate(pair.commands) if isinstance(c, SendDhcp))
    assert first_listen < first_dhcp
    assert pair.commands[first_listen] == ListenLldp(10.0)


def test_a_tagged_lldp_med_voice_policy_gives_the_vlan_and_no_vlan_query_is_sent() -> None:
    pair = LabPair(load_scenario("vlan-from-lldp"))
    outcome = pair.run()
    assert isinstance(outcome, Success)
    assert [c for c in pair.commands if isinstance(c, JoinVlan)] == [JoinVlan(150, 5, "lldp")]
    # No DHCP before the switch spoke, and the only DISCOVER is the lease's, on VLAN 150.
    assert kinds(pair).count(DHCPDISCOVER) == 1
    assert "vlan.query_skipped" in events(pair)
    assert pair.leases[0].address.startswith("198.51.100.")


def test_an_lldp_med_voice_policy_with_tagged_off_is_ignored_per_tia_1057() -> None:
    pair = LabPair(site("\n[lldp]\nvlan = 200\ntagged = false\n"))
    pair.run()
    ignored = [t for t in pair.traces if tb.LLDP_POLICY_IGNORED.matches(t)]
    assert ignored and ignored[0].fields["vlan"] == 200
    # The phone waited out its timeout and took DHCP's VLAN, never the untagged policy's.
    assert [c.vlan_id for c in pair.commands if isinstance(c, JoinVlan)] == [150]
    assert any(tb.LLDP_SILENT.matches(t) and t.t == 10.0 for t in pair.traces)


def test_no_lldp_med_within_the_timeout_falls_back_to_the_dhcp_vlan_query() -> None:
    pair = LabPair(site())
    pair.run()
    silent = next(t for t in pair.traces if tb.LLDP_SILENT.matches(t))
    first_discover = next(t for t in pair.traces if tb.LEASE_DISCOVER_SENT.matches(t))
    assert silent.t == first_discover.t == 10.0
    assert first_discover.fields["purpose"] == "vlan"


# -- row 2: the CPE-OCPHONE VLAN query ---------------------------------------------------


def test_vlan_query_uses_vendor_class_cpe_ocphone_asks_for_43_and_reads_sub_option_10() -> None:
    """Fidelity row 2: VLAN from DHCP, vendor class CPE-OCPHONE, option 43 sub-option 10."""
    pair = LabPair(site())
    pair.run()
    first = decode_dhcp_message(next(c for c in pair.commands if isinstance(c, SendDhcp)).payload)
    assert first.message_type == DHCPDISCOVER
    assert first.vendor_class == "CPE-OCPHONE"
    assert 43 in first.parameter_request_list
    given = next(t for t in pair.traces if tb.VLAN_GIVEN.matches(t))
    assert given.fields["vlan"] == 150 and given.fields["as_integer"] is False


def test_after_the_vlan_answer_the_phone_releases_that_lease_then_dhcps_again_tagged() -> None:
    pair = LabPair(site())
    pair.run()
    order = kinds(pair)
    release = order.index(DHCPRELEASE)
    assert order[:release] == [DHCPDISCOVER, DHCPREQUEST]
    assert order[release + 1 : release + 3] == [DHCPDISCOVER, DHCPREQUEST]
    joined = next(i for i, c in enumerate(pair.commands) if isinstance(c, JoinVlan))
    releases = [
        i
        for i, c in enumerate(pair.commands)
        if isinstance(c, SendDhcp) and decode_dhcp_message(c.payload).message_type == DHCPRELEASE
    ]
    assert releases[0] < joined  # released on the untagged network, before moving
    assert pair.lab.dhcp is not None and pair.lab.dhcp.enterprise is not None
    assert pair.lab.dhcp.enterprise.released == [("00:04:f2:00:00:01", "192.0.2.10")]


def test_the_vlan_option_served_to_another_spelling_of_the_class_gives_no_vlan() -> None:
    pair = LabPair(load_scenario("vlan-wrong-vendor-class"))
    pair.run()
    assert not any(isinstance(c, JoinVlan) for c in pair.commands)
    assert any(tb.VLAN_NOT_GIVEN.matches(t) for t in pair.traces)
    # It keeps the untagged lease the query took: no second DORA.
    assert kinds(pair).count(DHCPDISCOVER) == 1
    assert any(tb.LEASE_KEPT_FROM_QUERY.matches(t) for t in pair.traces)


def test_a_vlan_id_sent_as_a_binary_integer_is_read_and_flagged() -> None:
    pair = LabPair(site("vlan_as_integer = true\n"))
    pair.run()
    given = next(t for t in pair.traces if tb.VLAN_GIVEN.matches(t))
    assert given.fields == {"vlan": 150, "server": "127.0.0.1", "as_integer": True}


# -- row 3: the phone's own lease before the INFORM --------------------------------------


def test_the_phone_takes_its_own_lease_by_dora_before_the_inform() -> None:
    """Fidelity row 3: the phone takes its own lease (DORA) before the INFORM."""
    pair = LabPair(site())
    outcome = pair.run()
    assert isinstance(outcome, Success)
    order = kinds(pair)
    inform = order.index(DHCPINFORM)
    assert order[inform - 2 : inform] == [DHCPDISCOVER, DHCPREQUEST]
    # The INFORM carries the leased address, not one borrowed from the laptop.
    informs = [c for (_, kind, _, c) in sent(pair) if kind == DHCPINFORM]
    assert informs[0] == pair.leases[-1].address == "198.51.100.10"


def test_the_lease_is_retransmitted_with_rfc2131_backoff_then_the_boot_fails() -> None:
    pair = LabPair(load_scenario("lease-silent"))
    outcome = pair.run()
    assert isinstance(outcome, Failure) and outcome.reason == "lease.timeout"
    discovers = [
        t for t in pair.traces if tb.LEASE_DISCOVER_SENT.matches(t) and t.fields["vlan"] == 151
    ]
    waits = [b.t - a.t for a, b in itertools.pairwise(discovers)]
    # RFC 2131 §4.1: 4 s, 8 s, 16 s, each randomised by the profile's ±1 s.
    assert len(waits) == 3
    assert all(abs(wait - want) <= 1.0 for wait, want in zip(waits, (4, 8, 16), strict=True))
    assert not any(ts.DHCP_INFORM_SENT.matches(t) for t in pair.traces)


def test_stop_after_lease_ends_with_the_lease_and_sends_no_inform() -> None:
    pair = LabPair(site(), final_stage=Stage.LEASE.value)
    outcome = pair.run()
    assert isinstance(outcome, Success) and outcome.stage == "lease"
    assert DHCPINFORM not in kinds(pair)
    assert ts.stopped_as_asked(Stage.LEASE).matches(pair.traces[-1])


def test_a_boot_without_bring_up_starts_with_the_inform_as_before() -> None:
    pair = LabPair()
    pair.run()
    assert kinds(pair)[0] == DHCPINFORM
    assert not any(isinstance(c, ListenLldp) for c in pair.commands)


# -- rows 4 and 5: domain (15) and DNS servers (6) from the lease ---------------------------


def test_the_dns_domain_comes_from_the_lease_option_15() -> None:
    """Fidelity row 4: DNS domain from DHCP option 15."""
    pair = LabPair(site())
    pair.run()
    values = next(t for t in pair.traces if tb.LEASE_VALUES.matches(t))
    assert values.fields["domain"] == "phonesim.test"
    assert values.fields["domain_source"] == "lease"
    srv = next(t for t in pair.traces if ts.DNS_QUERY.matches(t))
    assert srv.fields["name"].endswith(".phonesim.test")


def test_the_dns_servers_come_from_the_lease_option_6() -> None:
    """Fidelity row 5: DNS servers from DHCP option 6."""
    pair = LabPair(site())
    pair.run()
    values = next(t for t in pair.traces if tb.LEASE_VALUES.matches(t))
    assert values.fields["dns_servers"] == ["127.0.0.1"]
    assert values.fields["dns_source"] == "lease"
    assert pair.leases[-1].dns_servers == ("127.0.0.1",)


def test_a_lease_without_option_6_leaves_the_phone_without_dns() -> None:
    pair = LabPair(load_scenario("lease-no-option-6"))
    outcome = pair.run()
    assert isinstance(outcome, Failure) and outcome.reason == "rootchain.web_host_unresolved"
    assert pair.leases[-1].dns_servers == ()


def test_time_servers_come_from_the_lease_options_42_and_4_before_the_informs() -> None:
    pair = LabPair(site())
    pair.run()
    values = next(t for t in pair.traces if tb.LEASE_VALUES.matches(t))
    assert values.fields["ntp_servers"] == ["127.0.0.1"]
    assert values.fields["ntp_source"] == "lease"
    query = next(t for t in pair.traces if ts.TIME_QUERY.matches(t))
    assert query.fields["address"] == "127.0.0.1"
    # The lease named the server: no _ntp._udp SRV lookup was needed.
    assert not any(
        ts.DNS_QUERY.matches(t) and t.fields["name"].startswith("_ntp") for t in pair.traces
    )


def test_an_unreadable_vlan_option_leaves_the_phone_untagged_on_the_querys_lease() -> None:
    pair = LabPair(site())
    assert pair.lab.dhcp is not None and pair.lab.dhcp.enterprise is not None
    # As dnsmasq sends a quoted "150" given on its command line: the quotes included.
    pair.lab.dhcp.enterprise._vlan_option = lambda vlan: bytes.fromhex("0a052231353022")  # type: ignore[method-assign]
    outcome = pair.run()
    not_given = next(t for t in pair.traces if tb.VLAN_NOT_GIVEN.matches(t))
    assert "unreadable" in not_given.fields["why"]
    assert not any(isinstance(c, JoinVlan) for c in pair.commands)
    assert outcome is not None


def test_without_a_lease_the_informs_ack_gives_the_domain_before_the_laptop() -> None:
    scenario = load_scenario_text(
        '[scenario]\nsummary = "x"\n[[dhcp.server]]\noptions = { 15 = "'
        + b"ack.test".hex(" ")
        + '" }\n',
        name="ack-domain",
        source="test_bringup_rules",
    )
    pair = LabPair(scenario)
    # The laptop's resolv.conf gave a domain, as `boot --iface` without --domain takes it.
    pair.phone._ctx.network = NetworkSettings(
        address="192.0.2.100", dns_domain="laptop.test", domain_source="laptop"
    )
    pair.run()
    taken = next(t for t in pair.traces if tb.DHCP_DOMAIN_FROM_ACK.matches(t))
    assert taken.fields == {
        "domain": "ack.test",
        "server": "127.0.0.1",
        "replaces": "laptop.test",
        "replaces_source": "laptop",
    }
    assert pair.phone.network.dns_domain == "ack.test"


def test_the_users_domain_is_never_replaced_by_the_informs_ack() -> None:
    scenario = load_scenario_text(
        '[scenario]\nsummary = "x"\n[[dhcp.server]]\noptions = { 15 = "'
        + b"ack.test".hex(" ")
        + '" }\n',
        name="ack-domain",
        source="test_bringup_rules",
    )
    pair = LabPair(scenario)  # the lab's domain stands for --domain
    pair.run()
    assert not any(tb.DHCP_DOMAIN_FROM_ACK.matches(t) for t in pair.traces)
    assert pair.phone.network.dns_domain == "phonesim.test"
