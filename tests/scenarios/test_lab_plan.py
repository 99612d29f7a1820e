"""What a scenario makes each lab server send, checked without starting any."""

from __future__ import annotations

from phonesim.codec.ms_uc_client_option import (
    decode_ms_uc_client_option,
    encode_ms_uc_client_option,
)
from phonesim.codec.sip_server_option import decode_sip_server_option
from phonesim.lab.lab_plan import LabPlan
from phonesim.lab.layout import LabLayout
from phonesim.lab.scenario import load_scenario, load_scenario_text


def plan_of(text: str) -> LabPlan:
    scenario = load_scenario_text('[scenario]\nsummary = "t"\n' + text, name="t", source="t")
    return LabPlan(LabLayout(web_name=scenario.web_name, pool_name=scenario.pool_name), scenario)


def test_the_default_server_sends_what_dhcputil_writes() -> None:
    (server,) = plan_of("").dhcp_servers()
    options = dict(server.options)
    assert options[43] == encode_ms_uc_client_option(web_server_fqdn="web01.phonesim.test")
    assert decode_sip_server_option(options[120]).servers == ("pool01.phonesim.test",)
    assert server.server_id == "127.0.0.1" and server.delay == 0 and server.from_attempt == 1


def test_dnsmasq_layout_reverse_order_end_code_and_integer_port() -> None:
    (server,) = plan_of(
        '[[dhcp.server]]\noption_43 = { port_hex = "01bb", order = [5, 4, 3, 2, 1], end = true }\n'
    ).dhcp_servers()
    value = dict(server.options)[43]
    assert value[0] == 5 and value[-1] == 255
    decoded = decode_ms_uc_client_option(value)
    assert decoded.port_as_integer == 443 and decoded.order == (5, 4, 3, 2, 1)


def test_cut_at_180_hex_characters_keeps_90_bytes() -> None:
    scenario = load_scenario("truncated-option-43")
    plan = LabPlan(LabLayout(web_name=scenario.web_name), scenario)
    value = dict(plan.dhcp_servers()[0].options)[43]
    assert len(value) == 90
    assert decode_ms_uc_client_option(value).truncated is not None


def test_zone_edits_remove_replace_and_add_records() -> None:
    zone = plan_of(
        '[dns]\nremove = ["_sipinternaltls._tcp"]\n[dns.a]\npool01 = ["127.0.0.2"]\n'
        '[dns.srv]\n"_sip._tls" = ["5 10 5061 pool02"]\n'
    ).zone()
    assert "_sipinternaltls._tcp.phonesim.test" not in zone.srv
    assert zone.a["pool01.phonesim.test"] == ["127.0.0.2"]
    assert zone.srv["_sip._tls.phonesim.test"] == [(5, 10, 5061, "pool02.phonesim.test")]


def test_registrar_names_cover_option_120_srv_targets_and_the_address() -> None:
    names = plan_of('[[dhcp.server]]\noption_120 = ["pool01", "pool02"]\n').registrar_names()
    assert names == ["pool01.phonesim.test", "pool02.phonesim.test", "127.0.0.1"]


def test_silent_dhcp_has_no_server() -> None:
    assert plan_of("[dhcp]\nsilent = true\n").dhcp_servers() == []
