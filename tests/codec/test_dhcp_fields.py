"""The field checks accept exactly what the standard library accepts."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phonesim.codec.dhcp_fields import ipv4_bytes, mac_bytes, xid_bytes
from phonesim.errors import MalformedDhcp

# Strings near a dotted quad: digits, dots, signs, spaces, hex, leading zeros.
near_addresses = st.one_of(
    st.text(alphabet="0123456789.", max_size=16),
    st.text(alphabet="0123456789.x+- abcdefABCDEF\n", max_size=18),
    st.lists(st.integers(min_value=0, max_value=300), min_size=1, max_size=5).map(
        lambda parts: ".".join(map(str, parts))
    ),
    st.lists(st.sampled_from(["0", "00", "01", "010", "255", "256", "0x1", "1"]), max_size=5).map(
        ".".join
    ),
    st.ip_addresses(v=4).map(str),
    st.text(max_size=20),
)


@settings(max_examples=1000, deadline=None)
@given(address=near_addresses)
def test_ipv4_accepts_what_ipaddress_accepts(address: str) -> None:
    try:
        expected = ipaddress.IPv4Address(address).packed
    except ValueError:
        with pytest.raises(MalformedDhcp) as caught:
            ipv4_bytes("ciaddr", address)
        assert caught.value.reason == f"cannot build: ciaddr {address!r} is not an IPv4 address"
    else:
        assert ipv4_bytes("ciaddr", address) == expected


@pytest.mark.parametrize("address", ["10.1", "10.0.0.010", "1.2.3.4 ", "0x0a.0.0.1", "10.0.0.256"])
def test_addresses_the_c_library_reads_loosely_are_refused(address: str) -> None:
    with pytest.raises(MalformedDhcp):
        ipv4_bytes("ciaddr", address)


def test_mac_and_xid() -> None:
    assert mac_bytes("00-04-F2-AA-BB-CC") == bytes.fromhex("0004f2aabbcc")
    assert xid_bytes(0xDEADBEEF) == bytes.fromhex("deadbeef")
    for bad in ("00:04:f2:aa:bb", "00:04-f2:aa:bb:cc", "0004f2aabbcc"):
        with pytest.raises(MalformedDhcp):
            mac_bytes(bad)
    with pytest.raises(MalformedDhcp):
        xid_bytes(1 << 32)
