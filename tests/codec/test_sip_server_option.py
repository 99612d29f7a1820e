"""Option 120 (RFC 3361): both encodings, compression, the missing terminator, bad input."""

from __future__ import annotations

import io

import dns.name
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phonesim.codec.sip_server_option import (
    decode_sip_server_option,
    decode_sip_server_option_uncached,
    encode_sip_server_addresses,
    encode_sip_server_names,
)
from phonesim.errors import MalformedOption, UnsupportedEncoding

from .strategies import hostnames, ipv4_addresses


def test_microsoft_example_without_final_zero_is_accepted_and_flagged() -> None:
    # 00 = names; 07 'example' 03 'com' and no closing 00, as in Microsoft's doc.
    option = decode_sip_server_option(b"\x00\x07example\x03com")
    assert option.servers == ("example.com",)
    assert option.missing_terminator
    assert not option.compressed


def test_compression_pointer_counts_from_the_byte_after_the_encoding_byte() -> None:
    value = (
        b"\x00"  # encoding 0: domain names
        b"\x03sip\x07contoso\x03com\x00"  # list offset 0: sip.contoso.com
        b"\x04pool\xc0\x04"  # pool + pointer to list offset 4, the 07 of 'contoso'
    )
    option = decode_sip_server_option(value)
    assert option.servers == ("sip.contoso.com", "pool.contoso.com")
    assert option.compressed
    assert not option.missing_terminator


def test_pointer_counted_from_the_encoding_byte_is_not_followed() -> None:
    # Same names, but the pointer written as if the encoding byte were offset 0
    # (C0 05): in the list that lands on 'c' of 'contoso' (0x63), not a label length.
    value = b"\x00\x03sip\x07contoso\x03com\x00\x04pool\xc0\x05"
    with pytest.raises(MalformedOption) as caught:
        decode_sip_server_option(value)
    assert caught.value.code == 120
    assert caught.value.offset == 18


def test_pointer_to_itself_is_a_loop() -> None:
    with pytest.raises(MalformedOption) as caught:
        decode_sip_server_option(b"\x00\xc0\x00")
    assert caught.value.offset == 1
    assert "pointer" in caught.value.reason


def test_pointer_past_the_names_is_rejected_with_offset() -> None:
    # name 1 = 'a' at list offset 0; name 2 at list offset 3 points to offset 0x30.
    with pytest.raises(MalformedOption) as caught:
        decode_sip_server_option(b"\x00\x01a\x00\xc0\x30")
    assert caught.value.offset == 4


def test_truncated_pointer_is_not_taken_for_a_missing_terminator() -> None:
    with pytest.raises(MalformedOption) as caught:
        decode_sip_server_option(b"\x00\x01a\x00\xc0")
    assert caught.value.offset == 4


def test_two_addresses() -> None:
    option = decode_sip_server_option(b"\x01\x0a\x00\x00\x01\xc0\xa8\x01\x02")
    assert option.encoding == 1
    assert option.servers == ("10.0.0.1", "192.168.1.2")
    assert encode_sip_server_addresses(["10.0.0.1", "192.168.1.2"]).hex() == "010a000001c0a80102"


def test_unknown_encoding_is_its_own_error() -> None:
    with pytest.raises(UnsupportedEncoding) as caught:
        decode_sip_server_option(b"\x02\x0a\x00\x00\x01")
    assert caught.value.encoding == 2
    assert caught.value.code == 120
    assert caught.value.offset == 0


@pytest.mark.parametrize(
    ("value", "offset"),
    [
        (b"", 0),  # no encoding byte
        (b"\x00", 1),  # names, but no name
        (b"\x01", 1),  # addresses, but no address
        (b"\x01\x0a\x00\x00", 1),  # 3 bytes of an address
        (b"\x01\x0a\x00\x00\x01\x0a\x00", 5),  # second address cut short
        (b"\x00\x03sip\x00\x00", 6),  # a lone zero after the name: an empty name
        (b"\x00\x03sip\x00\x80", 6),  # junk after the name: reserved label type
        (b"\x00\x05sip", 1),  # label longer than what is left
    ],
)
def test_bad_lengths_and_junk_give_the_offset(value: bytes, offset: int) -> None:
    with pytest.raises(MalformedOption) as caught:
        decode_sip_server_option(value)
    assert caught.value.code == 120
    assert caught.value.offset == offset


def test_names_keep_their_case_and_order() -> None:
    value = encode_sip_server_names(["Pool01.Contoso.COM", "pool02.contoso.com."])
    assert decode_sip_server_option(value).servers == ("Pool01.Contoso.COM", "pool02.contoso.com")


@pytest.mark.parametrize("names", [[], [""], ["."], ["a..b"], ["x" * 64 + ".com"]])
def test_names_that_cannot_be_encoded(names: list[str]) -> None:
    with pytest.raises(MalformedOption):
        encode_sip_server_names(names)


@pytest.mark.parametrize("addresses", [[], ["10.0.0"], ["::1"], ["300.1.1.1"]])
def test_addresses_that_cannot_be_encoded(addresses: list[str]) -> None:
    with pytest.raises(MalformedOption):
        encode_sip_server_addresses(addresses)


@given(st.lists(hostnames, min_size=1, max_size=6))
def test_names_round_trip(names: list[str]) -> None:
    option = decode_sip_server_option(encode_sip_server_names(names))
    assert option.encoding == 0
    assert option.servers == tuple(names)
    assert not option.compressed
    assert not option.missing_terminator


@given(st.lists(hostnames.map(str.lower), min_size=1, max_size=6))
def test_compressed_names_written_by_dnspython_decode_the_same(names: list[str]) -> None:
    # dnspython compresses against positions in the buffer it writes to; writing
    # the name list into its own buffer gives offsets that start after the
    # encoding byte, the convention dnsmasq writes. Lower case only, because
    # compression matches names case-insensitively and keeps the first spelling.
    buffer = io.BytesIO()
    table: dict[dns.name.Name, int] = {}
    for name in names:
        dns.name.from_text(name).to_wire(buffer, compress=table)
    compressed = buffer.getvalue()
    plain = encode_sip_server_names(names)[1:]
    option = decode_sip_server_option(b"\x00" + compressed)
    assert option.servers == tuple(names)
    assert option.compressed == (compressed != plain)


@given(hostnames)
def test_last_name_without_terminator_round_trips(name: str) -> None:
    value = encode_sip_server_names([name])[:-1]
    option = decode_sip_server_option(value)
    assert option.servers == (name,)
    assert option.missing_terminator


@given(st.lists(ipv4_addresses, min_size=1, max_size=20))
def test_addresses_round_trip(addresses: list[str]) -> None:
    value = encode_sip_server_addresses(addresses)
    assert len(value) == 4 * len(addresses) + 1
    option = decode_sip_server_option(value)
    assert option.encoding == 1
    assert option.servers == tuple(addresses)


def outcome(value: bytes) -> object:
    try:
        return decode_sip_server_option(value)
    except MalformedOption as error:
        return (type(error), str(error), error.offset)


def uncached_outcome(value: bytes) -> object:
    try:
        return decode_sip_server_option_uncached(value)
    except MalformedOption as error:
        return (type(error), str(error), error.offset)


near_option_120 = st.one_of(
    st.binary(max_size=80),
    st.tuples(st.sampled_from([0, 1]), st.lists(hostnames, min_size=1, max_size=3)).map(
        lambda t: encode_sip_server_names(t[1]) if t[0] == 0 else b"\x01\x0a\x00\x00\x01"
    ),
    st.tuples(
        st.sampled_from([b"\x00", b"\x01"]),
        st.lists(
            st.one_of(
                st.binary(min_size=1, max_size=8).map(lambda label: bytes((len(label),)) + label),
                st.binary(min_size=2, max_size=2).map(lambda p: bytes((p[0] | 0xC0, p[1]))),
                st.just(b"\x00"),
            ),
            max_size=6,
        ).map(b"".join),
    ).map(b"".join),
)


@settings(max_examples=500, deadline=None)
@given(value=near_option_120)
def test_the_memo_returns_what_a_fresh_decode_returns(value: bytes) -> None:
    expected = uncached_outcome(value)
    assert outcome(value) == expected
    assert outcome(value) == expected  # the second time comes from the memo


def test_errors_are_raised_afresh_each_time() -> None:
    raised = []
    for _ in range(2):
        with pytest.raises(MalformedOption) as caught:
            decode_sip_server_option(b"\x00\xc0\x00")
        raised.append(caught.value)
    assert raised[0] is not raised[1]
    assert str(raised[0]) == str(raised[1]) and raised[0].offset == raised[1].offset == 1


def test_equal_values_share_one_decoded_result() -> None:
    value = encode_sip_server_names(["pool01.contoso.com"])
    first = decode_sip_server_option(value)
    again = decode_sip_server_option(bytes(bytearray(value)))  # equal bytes, another object
    assert again is first and first.servers == ("pool01.contoso.com",)
