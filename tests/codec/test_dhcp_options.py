"""Raw option areas: the TLV walk, RFC 3396 split and join, option 52 overload."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phonesim.codec.dhcp_options import (
    encode_options,
    iter_options,
    join_options,
    split_option,
)
from phonesim.errors import MalformedDhcp, MalformedOption

from .strategies import option_codes


def test_walk_skips_pad_and_stops_at_end() -> None:
    data = b"\x00\x35\x01\x05\x00\x00\x36\x04\x0a\x00\x00\x01\xff\x2b\x02ab"
    assert list(iter_options(data)) == [(53, b"\x05"), (54, b"\x0a\x00\x00\x01")]


def test_walk_without_end_runs_to_the_end() -> None:
    assert list(iter_options(b"\x0c\x02cx\x0f\x00")) == [(12, b"cx"), (15, b"")]


@pytest.mark.parametrize(
    ("data", "offset"),
    [
        (b"\x35\x01\x05\x2b\x05abc", 3),  # 43 claims 5 bytes, 3 remain
        (b"\x00\x00\x2b", 2),  # 43 with no length byte
    ],
)
def test_option_running_past_the_end_gives_where_it_starts(data: bytes, offset: int) -> None:
    with pytest.raises(MalformedDhcp) as caught:
        list(iter_options(data))
    assert caught.value.offset == offset


def test_option_43_of_300_bytes_is_split_in_two_and_joined_back() -> None:
    value = bytes(range(256)) + bytes(range(44))
    parts = split_option(43, value)
    assert [len(part) for _code, part in parts] == [255, 45]
    encoded = encode_options([(53, b"\x05"), (43, value), (120, b"\x00\x01a\x00")])
    # 53 takes bytes 0-2; 43 follows as code 43/length 255, then code 43/length 45.
    assert encoded[3:6] == b"\x2b\xff\x00"
    assert encoded[260:262] == b"\x2b\x2d"
    joined = join_options(encoded + b"\xff")
    assert joined.get(43) == value
    assert joined.parts[43] == 2
    assert joined.parts[53] == 1
    assert joined.order == (53, 43, 120)
    assert joined.overload is None


def test_empty_value_is_one_empty_instance() -> None:
    assert split_option(80, b"") == [(80, b"")]
    assert encode_options([(80, b"")]) == b"\x50\x00"


@pytest.mark.parametrize("code", [0, 255, -1, 256])
def test_pad_and_end_cannot_carry_values(code: int) -> None:
    with pytest.raises(MalformedOption):
        split_option(code, b"x")


def test_overload_reads_file_then_sname_after_the_options_field() -> None:
    options_field = b"\x35\x01\x05\x34\x01\x03\x2b\x03abc\xff"
    file = (b"\x2b\x03def\x0f\x07contoso\xff").ljust(128, b"\x00")
    sname = (b"\x2b\x03ghi\x78\x05\x00\x01a\x00\x00\xff").ljust(64, b"\x00")
    joined = join_options(options_field, file=file, sname=sname)
    assert joined.overload == 3
    assert joined.get(43) == b"abcdefghi"
    assert joined.parts[43] == 3
    assert joined.get(15) == b"contoso"
    assert joined.get(120) == b"\x00\x01a\x00\x00"
    assert joined.order == (53, 52, 43, 15, 120)


def test_file_and_sname_are_not_options_without_overload() -> None:
    joined = join_options(b"\x35\x01\x05\xff", file=b"\x2b\x01x\xff", sname=b"\x2b\x01y\xff")
    assert joined.get(43) is None
    assert joined.overload is None


@pytest.mark.parametrize(("overload", "expected"), [(1, b"F"), (2, b"S")])
def test_overload_one_field_only(overload: int, expected: bytes) -> None:
    joined = join_options(
        bytes((52, 1, overload, 255)), file=b"\x2b\x01F\xff", sname=b"\x2b\x01S\xff"
    )
    assert joined.get(43) == expected


@pytest.mark.parametrize("value", [b"", b"\x00", b"\x04", b"\x01\x02"])
def test_bad_overload_value_is_malformed(value: bytes) -> None:
    with pytest.raises(MalformedDhcp) as caught:
        join_options(b"\x35\x01\x05" + bytes((52, len(value))) + value)
    assert caught.value.offset == 3


def test_broken_option_inside_file_says_so_and_where() -> None:
    with pytest.raises(MalformedDhcp) as caught:
        join_options(b"\x34\x01\x01", file=b"\x2b\x09abc", offsets=(240, 108, 44))
    assert caught.value.offset == 108
    assert "file" in caught.value.reason


def test_joined_options_cannot_be_changed() -> None:
    joined = join_options(b"\x35\x01\x05")
    with pytest.raises(TypeError):
        joined.values[53] = b"\x01"  # type: ignore[index]


@given(
    st.lists(
        st.tuples(option_codes, st.binary(max_size=1000)),
        max_size=8,
    )
)
def test_split_encode_join_round_trip(options: list[tuple[int, bytes]]) -> None:
    encoded = encode_options(options)
    joined = join_options(encoded + b"\xff")
    expected: dict[int, bytes] = {}
    expected_parts: dict[int, int] = {}
    for code, value in options:
        expected[code] = expected.get(code, b"") + value
        expected_parts[code] = expected_parts.get(code, 0) + max(1, -(-len(value) // 255))
    assert dict(joined.values) == expected
    assert dict(joined.parts) == expected_parts
    assert joined.order == tuple(dict.fromkeys(code for code, _value in options))
    for code, value in options:
        for _code, part in split_option(code, value):
            assert len(part) <= 255
