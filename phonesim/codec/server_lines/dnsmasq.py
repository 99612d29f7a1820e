"""dnsmasq `dhcp-option=` lines (in a config file, or as `--dhcp-option=` arguments).

Values are read as dnsmasq encodes them (dnsmasq(8), "--dhcp-option"):
`xx:xx` hex, dotted IPv4 addresses, decimal numbers as the smallest of 1, 2
or 4 bytes (so a bare 443 is 01 bb, the integer port the phone cannot read),
anything else as text, quoted or not. Option 120 given as names or addresses
is encoded as RFC 3361 says (dnsmasq compresses repeated name endings; the
names are the same). `vendor:CLASS,N,...` sets sub-option N of option 43 for
that vendor class; dnsmasq joins them into one option 43.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from phonesim.codec.address_text import is_ipv4
from phonesim.codec.server_lines.found import (
    Found,
    Line,
    PastedOption,
    SubOptionValue,
    option_code,
    shown,
    small_number,
)
from phonesim.codec.sip_server_option import encode_sip_server_addresses, encode_sip_server_names
from phonesim.errors import MalformedOption

FORM = "dnsmasq line"
SUB_OPTION_FORM = "dnsmasq sub-option lines"
OPTION_VENDOR_SPECIFIC = 43
OPTION_SIP_SERVERS = 120

_SETTING = re.compile(r"^\s*(?:--)?(dhcp-option(?:-force)?|dhcp-range)\s*=\s*+(.*\S|)\s*$")
_NAMES = {
    "netmask": 1,
    "router": 3,
    "dns-server": 6,
    "domain-name": 15,
    "ntp-server": 42,
    "vendor-class": 60,
    "sip-server": 120,
}
_COLON_HEX = re.compile(r"^[0-9A-Fa-f]{1,2}(?::[0-9A-Fa-f]{1,2})+$")
_ADDRESS = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")


def read(lines: Sequence[Line]) -> Found:
    found = Found()
    for line in lines:
        setting = _SETTING.match(line.text)
        if not setting:
            continue
        found.claimed.add(line.number)
        if setting.group(1) != "dhcp-range":
            _option(found, line, setting.group(2), setting.start(2))
    return found


def _fields(line: Line, text: str, start: int) -> list[tuple[str, int, bool]]:
    """Comma-separated fields as (text, column, quoted); commas inside quotes stay."""
    fields: list[tuple[str, int, bool]] = []
    current: list[str] = []
    column = start
    quoted = False
    in_quotes = False
    for index, character in enumerate(text):
        if character == '"':
            in_quotes = not in_quotes
            quoted = True
        elif character == "," and not in_quotes:
            fields.append(("".join(current).strip(), column, quoted))
            current, column, quoted = [], start + index + 1, False
        else:
            current.append(character)
    if in_quotes:
        raise line.error("a quote is not closed", start + len(text))
    fields.append(("".join(current).strip(), column, quoted))
    return fields


def _option(found: Found, line: Line, text: str, start: int) -> None:
    fields = _fields(line, text, start)
    vendor = None
    encapsulated = None
    while fields and not fields[0][2]:
        head = fields[0][0]
        prefix, colon, rest = head.partition(":")
        if not colon or prefix.lower() == "option" or head.isdigit():
            break
        prefix = prefix.lower().lstrip("!")
        if prefix == "vendor":
            vendor = rest
        elif prefix == "encap":
            encapsulated = rest
        elif prefix in ("vi-encap", "option6"):
            found.skip(line, f"{prefix}: options are not ones the phone reads")
            return
        elif prefix not in ("tag", "net"):
            break
        fields.pop(0)
    if not fields or not fields[0][0]:
        found.skip(line, "dhcp-option without an option code")
        return
    head, column, _quoted = fields.pop(0)
    code = _code(line, head, column)
    if code is None:
        found.skip(line, f"dnsmasq option {head!r} is not one phonesim knows by name")
        return
    if encapsulated is not None and encapsulated != str(OPTION_VENDOR_SPECIFIC):
        found.skip(line, f"sub-option of option {encapsulated}, which the phone does not read")
        return
    if code == OPTION_SIP_SERVERS and vendor is None and encapsulated is None:
        value = _sip_servers(line, fields)
    else:
        value = b"".join(_field_value(line, *field) for field in fields)
    if vendor is not None or encapsulated is not None:
        space = vendor if vendor is not None else "encap:43"
        if vendor is not None:
            found.vendor_classes[space] = vendor
        found.sub_options.append(
            SubOptionValue(space, code, value, FORM, SUB_OPTION_FORM, line=line)
        )
    else:
        found.options.append(PastedOption(code, value, FORM, lines=line.where))


def _code(line: Line, text: str, column: int) -> int | None:
    if text.lower().startswith("option:"):
        return _NAMES.get(text[7:].lower())
    if not (text.isascii() and text.isdigit()):
        return None
    return option_code(line, text, column)


def _field_value(line: Line, text: str, column: int, quoted: bool) -> bytes:
    if quoted:
        return text.strip('"').encode("utf-8")
    if _COLON_HEX.match(text):
        return bytes(int(group, 16) for group in text.split(":"))
    if _ADDRESS.match(text):
        return line.addresses([text])
    if text.isascii() and text.isdigit():
        number = small_number(text)
        if number is None or number > 0xFFFFFFFF:
            raise line.error(
                f"{shown(text)} does not fit the 4 bytes dnsmasq gives a number", column
            )
        size = 4 if number > 0xFFFF else 2 if number > 0xFF else 1
        return number.to_bytes(size, "big")
    return text.encode("utf-8")


def _sip_servers(line: Line, fields: list[tuple[str, int, bool]]) -> bytes:
    texts = [text for text, _column, quoted in fields if not quoted]
    if not texts or len(texts) != len(fields):
        return b"".join(_field_value(line, *field) for field in fields)
    if all(_COLON_HEX.match(text) for text in texts):
        return b"".join(_field_value(line, *field) for field in fields)
    try:
        if all(is_ipv4(text) for text in texts):
            return encode_sip_server_addresses(texts)
        return encode_sip_server_names(texts)
    except MalformedOption as error:
        raise line.error(error.reason) from None


__all__ = ["FORM", "SUB_OPTION_FORM", "read"]
