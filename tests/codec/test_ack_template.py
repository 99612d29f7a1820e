"""Stamped DHCPACKs are byte for byte what build_ack makes for the same request."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from phonesim.codec.ack_template import AckTemplate
from phonesim.codec.dhcp_message import DhcpMessage, build_ack, decode_dhcp_message
from phonesim.errors import PhonesimError

from .strategies import dhcp_messages, inform_like_messages, ipv4_addresses, option_codes

MANY = settings(max_examples=300, deadline=None)

ack_options = st.lists(
    st.tuples(option_codes.filter(lambda code: code not in (53, 54)), st.binary(max_size=300)),
    max_size=5,
)


def decoded(data: bytes) -> DhcpMessage:
    try:
        return decode_dhcp_message(data)
    except PhonesimError:
        assume(False)
        raise


@MANY
@given(
    requests=st.lists(st.one_of(inform_like_messages, dhcp_messages), min_size=1, max_size=4),
    server_id=ipv4_addresses,
    options=ack_options,
)
def test_every_request_gets_what_build_ack_makes(
    requests: list[bytes], server_id: str, options: list[tuple[int, bytes]]
) -> None:
    template = AckTemplate(server_id=server_id, options=options)
    for data in requests:
        request = decoded(data)
        expected = build_ack(request=request, server_id=server_id, options=options)
        assert template.for_request(request) == expected
        assert template.for_request_wire(data) == expected


@MANY
@given(
    data=inform_like_messages,
    options=st.lists(
        st.tuples(option_codes.filter(lambda code: code not in (53, 54)), st.binary(max_size=60)),
        min_size=1,
        max_size=3,
    ),
    where=st.sampled_from(["file", "sname", "both"]),
)
def test_overloaded_acks_too(data: bytes, options: list[tuple[int, bytes]], where: str) -> None:
    request = decoded(data)
    try:
        expected = build_ack(
            request=request,
            server_id="10.0.0.5",
            options=options,
            overload_into=where,  # type: ignore[arg-type]
        )
    except PhonesimError as error:
        with pytest.raises(type(error)) as caught:
            AckTemplate(server_id="10.0.0.5", options=options, overload_into=where)  # type: ignore[arg-type]
        assert str(caught.value) == str(error)
        return
    template = AckTemplate(server_id="10.0.0.5", options=options, overload_into=where)  # type: ignore[arg-type]
    assert template.for_request(request) == expected
    assert template.for_request_wire(data) == expected


@pytest.mark.parametrize(
    ("server_id", "options"),
    [("10.0.0.5", [(53, b"\x05")]), ("10.0.0.5", [(52, b"\x01")]), ("pool01", [(15, b"x")])],
)
def test_a_bad_server_is_refused_like_build_ack_does(
    server_id: str, options: list[tuple[int, bytes]]
) -> None:
    request = decode_dhcp_message(
        bytes(236) + bytes((99, 130, 83, 99)) + b"\x35\x01\x08\xff"  # a bare INFORM
    )
    with pytest.raises(PhonesimError) as reference:
        build_ack(request=request, server_id=server_id, options=options)
    with pytest.raises(PhonesimError) as caught:
        AckTemplate(server_id=server_id, options=options)
    assert str(caught.value) == str(reference.value)
