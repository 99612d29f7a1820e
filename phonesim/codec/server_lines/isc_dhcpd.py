"""ISC dhcpd `dhcpd.conf` statements.

`option NAME VALUE;` sets an option: NAME is one dhcpd knows
(`vendor-encapsulated-options` is 43, `vendor-class-identifier` 60,
`option-N` is N), or one declared in the paste (`option NAME code N = TYPE;`),
or `ms-uc-sip-server`, the name `phonesim dhcp-config` declares for option
120. `option SPACE.NAME VALUE;` sets a sub-option of an option space
(`option space SPACE;`); `vendor-option-space SPACE;` inside a class makes
dhcpd send the space's sub-options as option 43 to that class, whose
`match if option vendor-class-identifier = "..."` is the option 60 text the
phone must send byte for byte.

Values: "quoted text", colon hex (dhcpd writes bytes below 0x10 with one
digit, `1:c:4d`), dotted IPv4 addresses, and numbers whose size the declared
type gives. A statement may run over several lines until its `;`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from phonesim.codec.server_lines.found import (
    Found,
    Line,
    PastedOption,
    SkippedLine,
    SubOptionValue,
    shown,
    small_number,
)
from phonesim.codec.sip_server_option import CONFIG_NAME as SIP_SERVER_NAME

FORM = "ISC dhcpd line"
SUB_OPTION_FORM = "ISC dhcpd sub-option lines"
CLASS_MATCH_FORM = "ISC dhcpd class match line"
OPTION_VENDOR_SPECIFIC = 43
OPTION_VENDOR_CLASS = 60

BUILTIN_NAMES = {
    "subnet-mask": 1,
    "routers": 3,
    "domain-name-servers": 6,
    "domain-name": 15,
    "ntp-servers": 42,
    "vendor-encapsulated-options": OPTION_VENDOR_SPECIFIC,
    "vendor-class-identifier": OPTION_VENDOR_CLASS,
    SIP_SERVER_NAME: 120,
}
_OPTION_SPACE = re.compile(r"^option\s+space\s+([\w-]+)\b.*;$", re.DOTALL)
_DEFINITION = re.compile(r"^option\s+([\w.-]+)\s+code\s+(\d+)\s*=\s*+(.*\S)\s*;$", re.DOTALL)
_VALUE = re.compile(r"^option\s+([\w.-]+)\s++(.*\S)\s*;$", re.DOTALL)
_CLASS = re.compile(r'^class\s+"([^"]*)"\s*\{$')
_BLOCK = re.compile(r"^(subnet|shared-network|host|pool|group|subclass)\b[^{]*\{$")
_MATCH = re.compile(r'^match\s+if\s+option\s+vendor-class-identifier\s*=\s*"([^"]*)"\s*;$')
_MATCH_PREFIX = re.compile(
    r"^match\s+if\s+substring\s*\(\s*option\s+vendor-class-identifier\s*,\s*0\s*,\s*\d+\s*\)"
    r'\s*=\s*"([^"]*)"\s*;$'
)
_VENDOR_SPACE = re.compile(r"^vendor-option-space\s+([\w-]+)\s*;$")
_PLAIN_STATEMENTS = re.compile(
    r"^(not\s+)?(authoritative|range|default-lease-time|max-lease-time|min-lease-time|"
    r"ddns-update-style|log-facility|allow|deny|ignore|next-server|filename|server-name|"
    r"hardware|fixed-address|one-lease-per-client|ping-check|match)\b"
)
_COLON_HEX = re.compile(r"^[0-9A-Fa-f]{1,2}(?::[0-9A-Fa-f]{1,2})*$")
_ADDRESSES = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}(?:\s*,\s*\d{1,3}(?:\.\d{1,3}){3})*$")
_INTEGER_TYPE = re.compile(r"^(?:(?:un)?signed\s+)?integer\s+(8|16|32)$")


@dataclass(frozen=True)
class _Statement:
    text: str
    line: Line
    """The line the statement starts on."""
    continued: tuple[int, ...] = ()
    """The numbers of the lines it goes on over."""


@dataclass
class _Block:
    vendor_class: str | None = None
    is_class: bool = False


def read(lines: Sequence[Line]) -> Found:
    found = Found()
    statements = list(_statements(lines))
    definitions: dict[str, tuple[int, str]] = {}
    for statement in statements:
        definition = _DEFINITION.match(statement.text)
        code = small_number(definition.group(2)) if definition else None
        if definition and code is not None and 1 <= code <= 254:
            definitions[definition.group(1).lower()] = (code, definition.group(3).lower())
    blocks: list[_Block] = []
    unknown = []
    for statement in statements:
        if _statement(found, statement, definitions, blocks):
            found.claimed.update(statement.continued)
        else:
            unknown.append(statement)
    for statement in unknown:
        # Only on a line that is dhcpd's: a line with nothing dhcpd in it is another reader's.
        if statement.line.number in found.claimed:
            found.skipped.append(
                SkippedLine(
                    statement.line.number if statement.line.numbered else None,
                    statement.text,
                    "not an ISC dhcpd statement phonesim reads",
                )
            )
    return found


def _statements(lines: Sequence[Line]) -> Iterator[_Statement]:
    """Statements ending in `;`, `{` or `}`; an `option` statement may go on over lines."""
    pending: _Statement | None = None
    for line in lines:
        text = _without_comment(line.text).strip()
        continued: tuple[int, ...] = ()
        if pending is not None:
            text = f"{pending.text} {text}"
            continued = (*pending.continued, line.number)
            line = pending.line
            pending = None
        while text:
            end = _statement_end(text)
            if end is None:
                if text.startswith("option") and not text.endswith(";"):
                    pending = _Statement(text, line, continued)
                else:
                    yield _Statement(text, line, continued)
                break
            yield _Statement(text[: end + 1].strip(), line, continued)
            text = text[end + 1 :].strip()
            continued = ()
    if pending is not None:
        yield pending


def _statement_end(text: str) -> int | None:
    in_quotes = False
    for index, character in enumerate(text):
        if character == '"':
            in_quotes = not in_quotes
        elif not in_quotes and character in ";{}":
            return index
    return None


def _without_comment(text: str) -> str:
    in_quotes = False
    for index, character in enumerate(text):
        if character == '"':
            in_quotes = not in_quotes
        elif character == "#" and not in_quotes:
            return text[:index]
    return text


def _statement(
    found: Found,
    statement: _Statement,
    definitions: dict[str, tuple[int, str]],
    blocks: list[_Block],
) -> bool:
    """Read one statement; False when it is not one this reader knows."""
    text, line = statement.text, statement.line
    if _known(found, text, line, blocks):
        found.claimed.add(line.number)
        return True
    if _OPTION_SPACE.match(text) or _DEFINITION.match(text):
        found.claimed.add(line.number)
        found.no_value_hint = (
            "the lines declare options but set no value; paste the 'option NAME VALUE;' lines"
        )
        return True
    value = _VALUE.match(text) or _VALUE.match(text + ";")
    if not value:
        return False
    found.claimed.add(line.number)
    name = value.group(1).lower()
    vendor = next((b.vendor_class for b in reversed(blocks) if b.is_class), None)
    space, dot, _sub_name = name.partition(".")
    if dot:
        code_kind = definitions.get(name)
        if code_kind is None:
            found.skip(
                line,
                f"sub-option {shown(name)} is not declared in the paste "
                f"('option {name} code N = TYPE;')",
                text,
            )
            return True
    else:
        code_kind = _code(name, definitions)
        if code_kind is None:
            found.skip(
                line,
                f"ISC dhcpd option {shown(name)} is not one phonesim knows; an 'option {name} code N "
                "= TYPE;' line in the paste says which it is",
                text,
            )
            return True
    code, kind = code_kind
    data = _value(line, value.group(2), value.start(2), kind)
    if data is None:
        found.skip(line, f"a value of type {kind!r} is not one phonesim reads", text)
    elif dot:
        found.sub_options.append(
            SubOptionValue(space, code, data, FORM, SUB_OPTION_FORM, line=line)
        )
    else:
        found.options.append(
            PastedOption(
                code,
                data,
                FORM,
                vendor=vendor if code == OPTION_VENDOR_SPECIFIC else None,
                lines=line.where,
            )
        )
    return True


def _known(found: Found, text: str, line: Line, blocks: list[_Block]) -> bool:
    """Block structure, class matching and statements without an option value."""
    klass = _CLASS.match(text)
    if klass:
        blocks.append(_Block(is_class=True))
        return True
    if _BLOCK.match(text):
        blocks.append(_Block())
        return True
    if text == "}":
        if blocks:
            blocks.pop()
        return True
    match = _MATCH.match(text)
    either = match or _MATCH_PREFIX.match(text)
    if either is not None:
        vendor_class = either.group(1)
        if blocks and blocks[-1].is_class:
            blocks[-1].vendor_class = vendor_class
        if match is not None:
            found.options.append(
                PastedOption(
                    OPTION_VENDOR_CLASS,
                    vendor_class.encode("latin-1", "replace"),
                    CLASS_MATCH_FORM,
                    lines=line.where,
                )
            )
        return True
    vendor_space = _VENDOR_SPACE.match(text)
    if vendor_space:
        vendor = next((b.vendor_class for b in reversed(blocks) if b.is_class), None)
        if vendor is not None:
            found.vendor_classes[vendor_space.group(1).lower()] = vendor
        return True
    return bool(_PLAIN_STATEMENTS.match(text))


def _code(name: str, definitions: dict[str, tuple[int, str]]) -> tuple[int, str] | None:
    if name in definitions:
        return definitions[name]
    if name in BUILTIN_NAMES:
        return BUILTIN_NAMES[name], "string"
    code = small_number(name[7:]) if name.startswith("option-") else None
    if code is not None and 1 <= code <= 254:
        return code, "string"
    return None


def _value(line: Line, raw: str, start: int, kind: str) -> bytes | None:
    """The bytes dhcpd sends for `raw`; None when the declared type is not one read here."""
    raw = raw.strip()
    if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
        return raw[1:-1].encode("utf-8")
    if _COLON_HEX.match(raw) and not (raw.isdigit() and _INTEGER_TYPE.match(kind)):
        return bytes(int(group, 16) for group in raw.split(":"))
    if _ADDRESSES.match(raw):
        return line.addresses(raw.split(","))
    integer = _INTEGER_TYPE.match(kind)
    number = small_number(raw.removeprefix("-"))
    if integer and number is not None:
        size = int(integer.group(1)) // 8
        signed = kind.startswith(("signed", "integer"))
        try:
            return (-number if raw.startswith("-") else number).to_bytes(size, "big", signed=signed)
        except OverflowError:
            raise line.error(f"{raw} does not fit {kind}", start) from None
    if kind in ("string", "text"):
        return line.hex(raw, start)
    return None


__all__ = ["FORM", "SUB_OPTION_FORM", "read"]
