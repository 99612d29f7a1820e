"""The lab's site DHCP server: the CPE-OCPHONE VLAN answer, leases per VLAN, RELEASE, and a
scenario's `[enterprise_dhcp]` refused by name."""

from __future__ import annotations

from typing import Any

import pytest

from phonesim.codec.cpe_ocphone_option import decode_cpe_ocphone_option
from phonesim.codec.dhcp_lease_messages import build_discover, build_release, build_request
from phonesim.codec.dhcp_message import (
    DHCPACK,
    DHCPNAK,
    DHCPOFFER,
    build_inform,
    decode_dhcp_message,
)
from phonesim.errors import LabDataError
from phonesim.lab.dhcp_responder import DhcpResponderConfig, LabDhcpResponder
from phonesim.lab.enterprise_dhcp import EnterpriseDhcpServer, EnterpriseDhcpSpec
from phonesim.lab.scenario import load_scenario_text

MAC = "00:04:f2:00:00:07"


def server(**spec: object) -> EnterpriseDhcpServer:
    return EnterpriseDhcpServer(
        EnterpriseDhcpSpec(**spec),  # type: ignore[arg-type]
        server_id="127.0.0.1",
        domain="phonesim.test",
        dns_server="127.0.0.1",
        ntp_server="127.0.0.1",
    )


def discover(vendor: str | None = "CPE-OCPHONE") -> bytes:
    return build_discover(xid=1, mac=MAC, vendor_class=vendor, parameter_request_list=[1, 43])


def answer(site: EnterpriseDhcpServer, payload: bytes, vlan: int | None = 0) -> Any:
    raw = site.answer(decode_dhcp_message(payload), vlan)
    return None if raw is None else decode_dhcp_message(raw)


def test_the_vlan_query_is_answered_with_sub_option_10_in_ascii_digits() -> None:
    offer = answer(server(), discover())
    assert offer is not None and offer.message_type == DHCPOFFER
    value = offer.options.get(43)
    assert value is not None and value.startswith(bytes.fromhex("0a03313530"))
    assert decode_cpe_ocphone_option(value).vlan_id == 150


def test_the_class_match_is_case_sensitive() -> None:
    offer = answer(server(), discover("CPE-OCPhone"))
    assert offer is not None and offer.options.get(43) is None


def test_on_the_voice_vlan_the_lease_has_no_vlan_option_and_a_voice_address() -> None:
    offer = answer(server(), discover(), vlan=150)
    assert offer.yiaddr.startswith("198.51.100.")
    assert offer.options.get(43) is None


def test_a_vlan_without_a_scope_is_silent() -> None:
    assert answer(server(), discover(), vlan=151) is None


def test_request_for_the_offered_address_is_acked_another_is_nakked() -> None:
    site = server()
    offer = answer(site, discover(), vlan=150)
    good = build_request(
        xid=1,
        mac=MAC,
        requested_address=offer.yiaddr,
        server_id="127.0.0.1",
        vendor_class=None,
        parameter_request_list=[1],
    )
    assert answer(site, good, vlan=150).message_type == DHCPACK
    bad = build_request(
        xid=1,
        mac=MAC,
        requested_address="198.51.100.99",
        server_id="127.0.0.1",
        vendor_class=None,
        parameter_request_list=[1],
    )
    assert answer(site, bad, vlan=150).message_type == DHCPNAK


def test_a_release_of_the_untagged_lease_tells_the_server_the_phone_moved() -> None:
    site = server()
    offer = answer(site, discover())
    site.answer(
        decode_dhcp_message(
            build_release(xid=2, mac=MAC, address=offer.yiaddr, server_id="127.0.0.1")
        ),
        None,
    )
    assert site.released == [(MAC, offer.yiaddr)]
    assert site.vlan_of[MAC] == 150
    # Told nothing more, it answers the phone's next DISCOVER as on VLAN 150.
    assert answer(site, discover(), vlan=None).yiaddr.startswith("198.51.100.")


def test_the_pools_dhcp_answers_informs_only_on_its_vlans() -> None:
    responder = LabDhcpResponder(
        DhcpResponderConfig(sip_servers=["pool01.phonesim.test"], web_fqdn="web01.phonesim.test"),
        server(pool_dhcp_vlans=(150,)),
    )
    inform = build_inform(
        xid=4,
        mac=MAC,
        ciaddr="198.51.100.10",
        vendor_class="MS-UC-Client",
        parameter_request_list=[43, 120],
    )
    assert responder.replies(inform, vlan=0) == []
    assert len(responder.replies(inform, vlan=150)) == 1


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("vlan = 5000", "enterprise_dhcp.vlan"),
        ("omit_options = [43]", "enterprise_dhcp.omit_options"),
        ('vlan_vendor_class = ""', "enterprise_dhcp.vlan_vendor_class"),
        ("lease_vlans = 150", "enterprise_dhcp.lease_vlans"),
        ("colour = 1", "colour"),
    ],
)
def test_a_bad_enterprise_dhcp_field_is_refused_by_name(text: str, field: str) -> None:
    with pytest.raises(LabDataError) as caught:
        load_scenario_text(
            f'[scenario]\nsummary = "x"\n[enterprise_dhcp]\n{text}\n', name="x", source="x.toml"
        )
    assert field in str(caught.value)
