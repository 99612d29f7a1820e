"""Hex text as DHCPUtil, netsh, Cisco IOS and captures write it."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phonesim.codec.hex_text import dhcputil_hex, parse_hex
from phonesim.errors import MalformedHex, PhonesimError

EXPECTED = bytes.fromhex("010c4d532d")


@pytest.mark.parametrize(
    "text",
    [
        "010C4D532D",  # DHCPUtil
        "010c4d532d",
        "0x010C4D532D",  # netsh style
        "0x01 0x0C 0x4D 0x53 0x2D",
        "01 0c 4d 53 2d",
        "01:0c:4d:53:2d",  # capture tools
        "010c.4d53.2d",  # Cisco IOS `option 43 hex`
        "  010C\n4D53\t2D  ",
    ],
)
def test_accepted_spellings(text: str) -> None:
    assert parse_hex(text) == EXPECTED


def test_empty_text_is_no_bytes() -> None:
    assert parse_hex("") == b""


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("010G", 3),  # not a hex digit
        ("01 2 03", 3),  # a group of one digit: 0x02 or 0x2-?
        ("0x", 0),
        ("01 0x", 3),
        ("01٣", 2),  # an Arabic-Indic digit is not hex
    ],
)
def test_bad_text_says_where(text: str, offset: int) -> None:
    with pytest.raises(MalformedHex) as caught:
        parse_hex(text)
    assert caught.value.offset == offset


def test_dhcputil_style_is_upper_case_without_separators() -> None:
    assert dhcputil_hex(b"\x01\x0c\xab") == "010CAB"


@given(st.binary(max_size=300), st.sampled_from(["", " ", ":", "."]), st.booleans())
def test_round_trip(value: bytes, separator: str, prefix: bool) -> None:
    text = separator.join(f"{byte:02x}" for byte in value)
    if prefix:
        text = "0x" + text if text else text
    assert parse_hex(text) == value
    assert parse_hex(dhcputil_hex(value)) == value


@given(st.text(max_size=200))
def test_any_text_parses_or_raises_our_error(text: str) -> None:
    with contextlib.suppress(PhonesimError):
        parse_hex(text)
