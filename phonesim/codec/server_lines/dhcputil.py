"""DHCPUtil's printout (and `phonesim dhcp-config --format hex`): `Option 43: 010C...`.

Each value is followed by `Length:`, its size in hex characters: when the two
disagree the value was cut while being copied, which is worth saying before
anything is decoded. A value over 255 bytes is also printed in its RFC 3396
parts; the parts are read only when the whole value is not in the paste.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from phonesim.codec.server_lines.found import Found, Line, PastedOption, option_code, small_number

FORM = "DHCPUtil line"

_VALUE = re.compile(r"^\s*Option\s+(\d+)\s*:\s*+(.*\S|)\s*$", re.IGNORECASE)
_LENGTH = re.compile(r"^\s*Length\s*:\s*(\d+)\s*$", re.IGNORECASE)
_PART = re.compile(
    r"^\s*Option\s+(\d+)\s+part\s+(\d+)\s+of\s+(\d+)(?:\s*\(RFC 3396\))?\s*:\s*+(.*\S|)\s*$",
    re.IGNORECASE,
)


def read(lines: Sequence[Line]) -> Found:
    found = Found()
    wholes: list[tuple[int, bytes, int, Line]] = []
    lengths: dict[int, int] = {}
    parts: dict[int, list[tuple[int, bytes, Line]]] = {}
    for line in lines:
        part = _PART.match(line.text)
        value = _VALUE.match(line.text)
        length = _LENGTH.match(line.text)
        if part:
            found.claimed.add(line.number)
            code = _code(line, part)
            parts.setdefault(code, []).append(
                (small_number(part.group(2)) or 0, line.hex(part.group(4), part.start(4)), line)
            )
        elif value:
            found.claimed.add(line.number)
            code = _code(line, value)
            hex_digits = len(re.sub(r"[\s:.]|0x", "", value.group(2)))
            wholes.append((code, line.hex(value.group(2), value.start(2)), hex_digits, line))
        elif length and wholes:
            found.claimed.add(line.number)
            lengths[len(wholes) - 1] = small_number(length.group(1)) or -1
    for index, (code, data, hex_digits, line) in enumerate(wholes):
        declared = lengths.get(index)
        cut = None
        if declared is not None and declared != hex_digits:
            says = f"{declared} hex characters" if declared >= 0 else "more than 10 digits"
            cut = f"option {code}: Length says {says}, {hex_digits} present (cut while copying?)"
        found.options.append(PastedOption(code, data, FORM, lines=line.where, cut=cut))
    whole_codes = {code for code, *_rest in wholes}
    for code, pieces in parts.items():
        if code in whole_codes:
            continue
        pieces.sort(key=lambda piece: piece[0])
        found.options.append(
            PastedOption(
                code,
                b"".join(data for _index, data, _line in pieces),
                "DHCPUtil parts (RFC 3396), joined",
                lines=tuple(n for _i, _d, line in pieces for n in line.where),
            )
        )
    return found


def _code(line: Line, match: re.Match[str]) -> int:
    return option_code(line, match.group(1), match.start(1))


__all__ = ["FORM", "read"]
