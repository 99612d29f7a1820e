"""Option values as hex text, the way admins copy them between tools.

DHCPUtil prints one run of upper-case hex, netsh and captures use `0x` and
spaces, Cisco IOS groups four digits with dots, others use colons; all of
them must read back to the same bytes.
"""

from __future__ import annotations

import re

from phonesim.errors import MalformedHex

# Whitespace, ':' and '.' separate groups; a group may carry its own 0x prefix.
_GROUP = re.compile(r"[^\s:.]+")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def parse_hex(text: str) -> bytes:
    value = bytearray()
    for match in _GROUP.finditer(text):
        group = match.group()
        start = match.start()
        if group[:2] in ("0x", "0X"):
            group = group[2:]
            start += 2
            if not group:
                raise MalformedHex("'0x' with no digits after it", start - 2)
        for index, character in enumerate(group):
            if character not in _HEX_DIGITS:
                raise MalformedHex(f"{character!r} is not a hex digit", start + index)
        if len(group) % 2:
            # "1:2:3" could mean 01 02 03 or 12 3-: refuse to guess.
            raise MalformedHex(f"group {group!r} has an odd number of hex digits", start)
        value += bytes.fromhex(group)
    return bytes(value)


def dhcputil_hex(value: bytes) -> str:
    return value.hex().upper()
