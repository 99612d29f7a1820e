"""Stamped INFORMs are byte for byte what build_inform makes for the same phone."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phonesim.codec.dhcp_message import build_inform
from phonesim.codec.inform_template import InformTemplate, inform_template
from phonesim.errors import PhonesimError

from .strategies import hostnames, ipv4_addresses, mac_addresses

MANY = settings(max_examples=300, deadline=None)

xids = st.integers(min_value=0, max_value=0xFFFFFFFF)
# MACs as people write them: either separator, either case.
written_macs = st.tuples(mac_addresses, st.sampled_from([":", "-"]), st.booleans()).map(
    lambda t: t[0].replace(":", t[1]).upper() if t[2] else t[0].replace(":", t[1])
)
option_sets = st.fixed_dictionaries(
    {
        "vendor_class": st.text(
            alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF), min_size=1, max_size=60
        ),
        "parameter_request_list": st.lists(
            st.integers(min_value=1, max_value=254), min_size=1, max_size=40
        ),
        "max_message_size": st.none() | st.integers(min_value=576, max_value=65535),
        "hostname": st.none() | hostnames,
    }
)
phones = st.tuples(xids, written_macs, ipv4_addresses, st.booleans())


@MANY
@given(options=option_sets, fleet=st.lists(phones, min_size=1, max_size=5))
def test_every_phone_gets_what_build_inform_makes(
    options: dict[str, object], fleet: list[tuple[int, str, str, bool]]
) -> None:
    template = InformTemplate(**options)  # type: ignore[arg-type]
    for xid, mac, ciaddr, broadcast in fleet:
        expected = build_inform(
            xid=xid,
            mac=mac,
            ciaddr=ciaddr,
            broadcast=broadcast,
            **options,  # type: ignore[arg-type]
        )
        assert template.for_phone(xid, mac, ciaddr, broadcast=broadcast) == expected


def test_the_client_identifier_carries_each_phone_s_mac() -> None:
    template = InformTemplate(vendor_class="MS-UC-Client", parameter_request_list=[43, 120])
    first = template.for_phone(1, "00:04:f2:00:00:01", "10.0.0.1")
    second = template.for_phone(2, "00:04:f2:00:00:02", "10.0.0.2")
    client_id = bytes((61, 7, 1))
    assert client_id + bytes.fromhex("0004f2000001") in first
    assert client_id + bytes.fromhex("0004f2000002") in second
    assert bytes.fromhex("0004f2000001") not in second


BAD_PHONES = [
    (1 << 32, "00:04:f2:aa:bb:cc", "10.0.0.1"),
    (-1, "00:04:f2:aa:bb:cc", "10.0.0.1"),
    (1, "00:04:f2:aa:bb", "10.0.0.1"),
    (1, "00:04:f2:aa:bb:cc:dd", "10.0.0.1"),
    (1, "00:04-f2:aa:bb:cc", "10.0.0.1"),
    (1, "00:04:f2:aa:bb:cc", "10.0.0"),
    (1, "00:04:f2:aa:bb:cc", "10.0.0.256"),
    (1, "00:04:f2:aa:bb:cc", "pool01.contoso.com"),
]


@pytest.mark.parametrize(("xid", "mac", "ciaddr"), BAD_PHONES)
def test_bad_phone_values_are_refused_with_build_inform_s_error(
    xid: int, mac: str, ciaddr: str
) -> None:
    options = {"vendor_class": "MS-UC-Client", "parameter_request_list": [43, 120]}
    with pytest.raises(PhonesimError) as reference:
        build_inform(xid=xid, mac=mac, ciaddr=ciaddr, **options)  # type: ignore[arg-type]
    with pytest.raises(PhonesimError) as caught:
        InformTemplate(**options).for_phone(xid, mac, ciaddr)  # type: ignore[arg-type]
    assert type(caught.value) is type(reference.value)
    assert str(caught.value) == str(reference.value)


@pytest.mark.parametrize(
    "options",
    [
        {"parameter_request_list": [0, 43]},
        {"max_message_size": 575},
        {"hostname": ""},
        {"vendor_class": "MS-UC-Client€"},
        {"vendor_class": "x" * 256},
    ],
)
def test_a_bad_option_set_is_refused_like_build_inform_does(options: dict[str, object]) -> None:
    arguments: dict[str, object] = {
        "vendor_class": "MS-UC-Client",
        "parameter_request_list": [43, 120],
        **options,
    }
    with pytest.raises(PhonesimError) as reference:
        build_inform(xid=1, mac="00:04:f2:aa:bb:cc", ciaddr="10.0.0.1", **arguments)  # type: ignore[arg-type]
    for make in (InformTemplate, inform_template):
        with pytest.raises(PhonesimError) as caught:
            make(**arguments)  # type: ignore[arg-type]
        assert str(caught.value) == str(reference.value)


def test_one_profile_shares_one_template() -> None:
    first = inform_template(vendor_class="MS-UC-Client", parameter_request_list=[1, 43, 120])
    again = inform_template(vendor_class="MS-UC-Client", parameter_request_list=(1, 43, 120))
    other = inform_template(
        vendor_class="MS-UC-Client", parameter_request_list=[1, 43, 120], max_message_size=1500
    )
    assert first is again
    assert other is not first
    wire = other.for_phone(9, "00:04:f2:00:00:09", "10.0.0.9")
    assert wire == build_inform(
        xid=9,
        mac="00:04:f2:00:00:09",
        ciaddr="10.0.0.9",
        vendor_class="MS-UC-Client",
        parameter_request_list=[1, 43, 120],
        max_message_size=1500,
    )


def test_importing_the_template_module_does_not_import_scapy() -> None:
    code = (
        "import sys, phonesim.codec.inform_template, phonesim.codec.ack_template, "
        "phonesim.codec.inform_check, phonesim.codec.option_reader, phonesim.codec.bootp_header; "
        "print(any(m.startswith('scapy') for m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"
