"""The per-packet decoder reads every message exactly as the scapy-based reference does."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from phonesim.codec.dhcp_message import decode_dhcp_message, decode_dhcp_message_with_scapy
from phonesim.codec.dhcp_options import join_options
from phonesim.codec.option_reader import read_message_options
from phonesim.errors import MalformedDhcp, PhonesimError

from .strategies import damaged_messages, dhcp_messages

MANY = settings(max_examples=500, deadline=None)


def outcome(decode: object, data: bytes) -> object:
    try:
        return decode(data)  # type: ignore[operator]
    except PhonesimError as error:
        return (type(error), str(error), getattr(error, "offset", None))


@MANY
@given(data=dhcp_messages)
def test_same_message_or_same_error_as_the_reference(data: bytes) -> None:
    assert outcome(decode_dhcp_message, data) == outcome(decode_dhcp_message_with_scapy, data)


@MANY
@given(data=damaged_messages)
def test_damaged_messages_fail_as_in_the_reference(data: bytes) -> None:
    assert outcome(decode_dhcp_message, data) == outcome(decode_dhcp_message_with_scapy, data)


@MANY
@given(data=dhcp_messages)
def test_options_join_like_join_options_on_the_three_areas(data: bytes) -> None:
    def reference(data: bytes) -> object:
        return join_options(
            data[240:], file=data[108:236], sname=data[44:108], offsets=(240, 108, 44)
        )

    fast = outcome(read_message_options, data)
    assert fast == outcome(reference, data)
    if not isinstance(fast, tuple):
        assert fast.order == reference(data).order  # type: ignore[attr-defined]
        assert dict(fast.parts) == dict(reference(data).parts)  # type: ignore[attr-defined]


def test_decoding_a_bytearray_gives_bytes_values() -> None:
    data = bytearray(240) + b"\x35\x01\x05\x0f\x03abc\x0f\x02de\xff"
    data[236:240] = bytes((99, 130, 83, 99))
    message = decode_dhcp_message(data)  # type: ignore[arg-type]
    value = message.options.get(15)
    assert type(value) is bytes and value == b"abcde"
    assert message.options.parts[15] == 2


def test_an_overload_value_that_does_not_exist_is_refused_where_it_stands() -> None:
    data = bytearray(240) + b"\x35\x01\x05\x34\x01\x07\xff"
    data[236:240] = bytes((99, 130, 83, 99))
    for decode in (decode_dhcp_message, decode_dhcp_message_with_scapy):
        with pytest.raises(MalformedDhcp) as caught:
            decode(bytes(data))
        assert caught.value.offset == 243
