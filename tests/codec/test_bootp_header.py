"""The struct reader of the BOOTP header agrees with scapy's own BOOTP dissection."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phonesim.codec.bootp_header import (
    BOOTP_HEADER_LENGTH,
    read_bootp_header,
    read_bootp_header_with_scapy,
)
from phonesim.errors import MalformedDhcp

MANY = settings(max_examples=300, deadline=None)


@MANY
@given(data=st.binary(min_size=BOOTP_HEADER_LENGTH, max_size=BOOTP_HEADER_LENGTH + 80))
def test_every_field_matches_scapy(data: bytes) -> None:
    from scapy.layers.dhcp import BOOTP

    header = read_bootp_header(data)
    bootp = BOOTP(data[:BOOTP_HEADER_LENGTH])
    assert header.op == bootp.op
    assert header.xid == bootp.xid
    assert header.flags == int(bootp.flags)
    assert header.ciaddr == bootp.ciaddr
    assert header.yiaddr == bootp.yiaddr
    assert header.siaddr == bootp.siaddr
    assert header.giaddr == bootp.giaddr
    assert bytes.fromhex(header.chaddr.replace(":", "")) == bytes(bootp.chaddr)[:6]
    assert header.sname == bytes(bootp.sname)
    assert header.file == bytes(bootp.file)
    assert header == read_bootp_header_with_scapy(data)


def test_fields_sit_where_rfc_2131_puts_them() -> None:
    data = bytearray(BOOTP_HEADER_LENGTH)
    data[0] = 2
    data[4:8] = bytes.fromhex("deadbeef")
    data[10:12] = b"\x80\x00"
    data[12:28] = bytes((10, 0, 0, 1, 10, 0, 0, 2, 10, 0, 0, 3, 10, 0, 0, 4))
    data[28:44] = bytes.fromhex("0004F2AABBCC") + b"\x99" * 10
    data[44:108] = b"s" * 64
    data[108:236] = b"f" * 128
    header = read_bootp_header(bytes(data))
    assert (header.op, header.xid, header.flags) == (2, 0xDEADBEEF, 0x8000)
    assert (header.ciaddr, header.yiaddr, header.siaddr, header.giaddr) == (
        "10.0.0.1",
        "10.0.0.2",
        "10.0.0.3",
        "10.0.0.4",
    )
    assert header.chaddr == "00:04:f2:aa:bb:cc"  # the padding after the MAC is not part of it
    assert (header.sname, header.file) == (b"s" * 64, b"f" * 128)


@pytest.mark.parametrize("read", [read_bootp_header, read_bootp_header_with_scapy])
def test_a_short_header_is_refused_with_its_length_as_offset(read: object) -> None:
    with pytest.raises(MalformedDhcp) as caught:
        read(bytes(235))  # type: ignore[operator]
    assert caught.value.offset == 235
