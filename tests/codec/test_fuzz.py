"""No input makes a decoder fail with anything but phonesim's own exceptions."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phonesim.codec.dhcp_message import DhcpMessage, build_inform, decode_dhcp_message
from phonesim.codec.dhcp_options import iter_options, join_options
from phonesim.codec.ms_uc_client_option import decode_ms_uc_client_option
from phonesim.codec.sip_server_option import decode_sip_server_option
from phonesim.errors import PhonesimError

FUZZ = settings(max_examples=500, deadline=None)

HEADER = build_inform(
    xid=7,
    mac="00:04:f2:00:00:01",
    ciaddr="10.0.0.9",
    vendor_class="MS-UC-Client",
    parameter_request_list=[43, 120],
)[:240]


def exercise(message: DhcpMessage) -> None:
    """Read every derived value, each of which may raise only our exceptions."""
    readers: list[Callable[[], object]] = [
        lambda: message.message_type,
        lambda: message.server_id,
        lambda: message.vendor_class,
        lambda: message.parameter_request_list,
        lambda: message.domain_name,
        lambda: message.ntp_servers,
        lambda: message.lease_time,
        message.sip_server,
        message.uc_client_vendor,
    ]
    for read in readers:
        with contextlib.suppress(PhonesimError):
            read()


def decode_fully(data: bytes) -> None:
    try:
        message = decode_dhcp_message(data)
    except PhonesimError:
        return
    exercise(message)


@pytest.mark.parametrize(
    "decoder",
    [
        decode_sip_server_option,
        decode_ms_uc_client_option,
        lambda data: list(iter_options(data)),
        lambda data: join_options(data),
        decode_fully,
    ],
    ids=["option_120", "option_43", "iter_options", "join_options", "dhcp_message"],
)
@FUZZ
@given(data=st.binary(max_size=600))
def test_arbitrary_bytes(decoder: Callable[[bytes], object], data: bytes) -> None:
    with contextlib.suppress(PhonesimError):
        decoder(data)


names_like = st.lists(
    st.one_of(
        st.binary(min_size=1, max_size=12).map(lambda label: bytes((len(label),)) + label),
        st.binary(min_size=2, max_size=2).map(
            lambda pointer: bytes((pointer[0] | 0xC0,)) + pointer[1:]
        ),
        st.just(b"\x00"),
    ),
    max_size=10,
).map(b"".join)


@FUZZ
@given(encoding=st.sampled_from([0, 0, 0, 1]), body=names_like)
def test_option_120_near_valid_names(encoding: int, body: bytes) -> None:
    with contextlib.suppress(PhonesimError):
        decode_sip_server_option(bytes((encoding,)) + body)


sub_option_like = st.lists(
    st.tuples(st.integers(0, 255), st.integers(0, 255), st.binary(max_size=40)).map(
        lambda t: bytes((t[0], t[1])) + t[2]
    ),
    max_size=8,
).map(b"".join)


@FUZZ
@given(value=sub_option_like)
def test_option_43_near_valid_sub_options(value: bytes) -> None:
    with contextlib.suppress(PhonesimError):
        decode_ms_uc_client_option(value)


option_area_like = st.lists(
    st.one_of(
        st.tuples(st.integers(0, 255), st.integers(0, 255), st.binary(max_size=60)).map(
            lambda t: bytes((t[0], t[1])) + t[2]
        ),
        st.sampled_from([b"\x34\x01\x01", b"\x34\x01\x02", b"\x34\x01\x03", b"\x35\x01\x05"]),
    ),
    max_size=8,
).map(b"".join)


@FUZZ
@given(
    options=st.one_of(st.binary(max_size=400), option_area_like),
    sname=st.binary(min_size=64, max_size=64),
    file=st.binary(min_size=128, max_size=128),
)
def test_valid_header_with_random_options(options: bytes, sname: bytes, file: bytes) -> None:
    data = HEADER[:44] + sname + file + HEADER[236:240] + options
    decode_fully(data)
