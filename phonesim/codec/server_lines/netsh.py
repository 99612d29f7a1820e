"""Windows DHCP Server `netsh dhcp server` lines, as DHCPConfigScript.bat runs them.

`set optionvalue CODE TYPE VALUE` sets an option; with `vendor=CLASS` it sets
one sub-option of option 43 for that vendor class, which the server joins into
option 43 (so a whole script yields one option 43). `add class NAME COMMENT
DATA 1` defines the vendor class: DATA is the option 60 text the phone must
send byte for byte; without IsVendor 1 the class is a user class, which a
phone's option 60 never matches. `add optiondef` defines, and carries no value.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence

from phonesim.codec.server_lines.found import (
    Found,
    Line,
    PastedOption,
    SubOptionValue,
    option_code,
    shown,
)

FORM = "netsh line"
SUB_OPTION_FORM = "netsh sub-option lines"
OPTION_VENDOR_CLASS = 60

_VALUE = re.compile(r"\boptionvalue\s+(\d+)\s+(\w+)(.*)$", re.IGNORECASE | re.DOTALL)
_CLASS = re.compile(r"\badd\s+class\s+(.*)$", re.IGNORECASE | re.DOTALL)
_DEFINITION = re.compile(r"\badd\s+optiondef\s+(\d+)", re.IGNORECASE)
_INTEGER_SIZES = {"BYTE": 1, "WORD": 2, "DWORD": 4}


def read(lines: Sequence[Line]) -> Found:
    found = Found()
    for line in lines:
        definition = _DEFINITION.search(line.text)
        value = _VALUE.search(line.text)
        class_line = _CLASS.search(line.text)
        if value:
            found.claimed.add(line.number)
            _option_value(found, line, value)
        elif class_line:
            found.claimed.add(line.number)
            _vendor_class(found, line, class_line)
        elif definition:
            found.claimed.add(line.number)
            found.no_value_hint = (
                "an 'add optiondef' line defines an option but carries no value; "
                "paste the 'set optionvalue' line"
            )
    return found


def _tokens(line: Line, match: re.Match[str], group: int) -> list[str]:
    try:
        return shlex.split(match.group(group), posix=True)
    except ValueError as error:
        raise line.error(f"netsh line: {error}", match.start(group)) from None


def _option_value(found: Found, line: Line, match: re.Match[str]) -> None:
    code = option_code(line, match.group(1), match.start(1))
    kind = match.group(2).upper()
    vendor = None
    values = []
    for token in _tokens(line, match, 3):
        key, equals, rest = token.partition("=")
        if equals and key.lower() in ("vendor", "user"):
            if key.lower() == "vendor":
                vendor = rest
            continue
        values.append(token)
    if not values:
        raise line.error(f"netsh line sets option {code} but gives no value", len(line.text))
    if kind in ("BINARY", "ENCAPSULATED"):
        value = line.hex(" ".join(values), match.start(3))
    elif kind == "STRING":
        value = " ".join(values).encode("latin-1", "replace")
    elif kind == "IPADDRESS":
        value = line.addresses(values)
    elif kind in _INTEGER_SIZES:
        value = b"".join(_integer(line, text, _INTEGER_SIZES[kind]) for text in values)
    else:
        found.skip(
            line,
            f"netsh value type {kind} is not one phonesim reads (BINARY, ENCAPSULATED, STRING, "
            "IPADDRESS, BYTE, WORD, DWORD)",
        )
        return
    if vendor is not None:
        found.sub_options.append(
            SubOptionValue(vendor, code, value, FORM, SUB_OPTION_FORM, line=line)
        )
    else:
        found.options.append(PastedOption(code, value, FORM, lines=line.where))


def _integer(line: Line, text: str, size: int) -> bytes:
    try:
        number = int(text, 0)
        return number.to_bytes(size, "big")
    except (ValueError, OverflowError):
        raise line.error(f"{shown(text)} is not a {size}-byte number") from None


def _vendor_class(found: Found, line: Line, match: re.Match[str]) -> None:
    tokens = _tokens(line, match, 1)
    if len(tokens) < 3:
        found.skip(line, "an 'add class' line without class data: no option 60 text to read")
        return
    name, data = tokens[0], tokens[2]
    is_vendor = tokens[3].rpartition("=")[2] if len(tokens) > 3 else "0"
    is_binary = len(tokens) > 4 and tokens[4].rpartition("=")[2].lower() == "b"
    if is_vendor != "1":
        found.skip(
            line,
            f"class {name} is a user class (IsVendor is not 1): a phone's option 60 never "
            "matches it, so its options never reach the phone",
        )
        return
    value = line.hex(data, match.start(1)) if is_binary else data.encode("latin-1", "replace")
    found.vendor_classes[name] = value.decode("latin-1")
    found.options.append(PastedOption(OPTION_VENDOR_CLASS, value, FORM, lines=line.where))


__all__ = ["FORM", "SUB_OPTION_FORM", "read"]
