"""An INFORM recognised from its bytes is one the full decoder accepts, with the same fields."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from phonesim.codec.dhcp_message import DHCPINFORM, build_inform, decode_dhcp_message
from phonesim.codec.inform_check import recognise_inform
from phonesim.errors import PhonesimError

from .strategies import damaged_messages, dhcp_messages, inform_like_messages, mac_addresses

MANY = settings(max_examples=500, deadline=None)
UC = b"MS-UC-Client"


@MANY
@given(data=inform_like_messages)
def test_recognised_only_when_the_decoder_agrees(data: bytes) -> None:
    assert_decoder_agrees(data)


@MANY
@given(data=st.one_of(dhcp_messages, damaged_messages))
def test_other_messages_are_recognised_only_when_the_decoder_agrees(data: bytes) -> None:
    assert_decoder_agrees(data)


def assert_decoder_agrees(data: bytes) -> None:
    recognised = recognise_inform(data, UC)
    if recognised is None:
        return
    message = decode_dhcp_message(data)  # must not raise
    assert message.op == 1
    assert message.message_type == DHCPINFORM
    assert message.vendor_class == UC.decode("latin-1")
    assert (recognised.xid, recognised.chaddr) == (message.xid, message.chaddr)


@MANY
@given(
    xid=st.integers(min_value=0, max_value=0xFFFFFFFF),
    mac=mac_addresses,
    max_size=st.none() | st.integers(min_value=576, max_value=65535),
)
def test_a_phone_s_inform_is_recognised_at_once(xid: int, mac: str, max_size: int | None) -> None:
    wire = build_inform(
        xid=xid,
        mac=mac,
        ciaddr="10.0.0.1",
        vendor_class="MS-UC-Client",
        parameter_request_list=[1, 3, 6, 15, 42, 43, 120],
        max_message_size=max_size,
        hostname="CX600",
    )
    assert recognise_inform(wire, UC) == (xid, mac)


def test_what_only_a_decode_can_settle_is_left_to_it() -> None:
    base = build_inform(
        xid=1,
        mac="00:04:f2:00:00:01",
        ciaddr="10.0.0.1",
        vendor_class="MS-UC-Client",
        parameter_request_list=[43, 120],
    )
    options_end = base.index(b"\xff", 240)

    def with_options(extra: bytes) -> bytes:
        return base[:options_end] + extra + base[options_end:]

    undecided = {
        "overload": with_options(b"\x34\x01\x01"),
        "server id": with_options(b"\x36\x04\x0a\x00\x00\x01"),
        "vendor class split in two": with_options(b"\x3c\x00"),
        "message type twice": with_options(b"\x35\x01\x08"),
        "another vendor class": base.replace(UC, b"CPE-OCPHONE\x00"),
        "a reply": b"\x02" + base[1:],
        "option past the end": base[:options_end] + b"\x2b\x09abc",
    }
    for name, data in undecided.items():
        assert recognise_inform(data, UC) is None, name
    # Two of them are still INFORMs from MS-UC-Client once decoded in full.
    for name in ("vendor class split in two", "server id"):
        message = decode_dhcp_message(undecided[name])
        assert (message.message_type, message.vendor_class) == (DHCPINFORM, "MS-UC-Client")
    try:
        decode_dhcp_message(undecided["option past the end"])
    except PhonesimError:
        pass
    else:
        raise AssertionError("a cut option was accepted by the decoder")
