"""Kea DHCPv4 JSON: a whole `kea-dhcp4` configuration, its `Dhcp4` body, or option-data entries.

Options are read from `option-data` wherever Kea takes them (globally, in a
client class, a subnet, a pool, a shared network). An entry names its option
by `code`, or by `name` from Kea's own names or an `option-def` in the paste
(`phonesim dhcp-config` defines `ms-uc-sip-server` as 120). Its `data` is hex
when `csv-format` is false or the definition says `binary`, else text or
numbers as the type says. A class's `test` on option 60 gives the vendor
class its option 43 goes to; entries in another option space are sub-options,
joined into option 43 as Kea encapsulates them. Kea accepts `#`, `//` and
`/* */` comments; they are read past.
"""

from __future__ import annotations

import ipaddress
import json
import re
from typing import Any

from phonesim.codec.hex_text import parse_hex
from phonesim.codec.server_lines.found import Found, PastedOption, SkippedLine, SubOptionValue
from phonesim.codec.sip_server_option import CONFIG_NAME as SIP_SERVER_NAME
from phonesim.errors import MalformedHex, MalformedPaste

FORM = "Kea option-data"
SUB_OPTION_FORM = "Kea sub-option entries"
CLASS_TEST_FORM = "Kea client class test"
OPTION_VENDOR_SPECIFIC = 43
OPTION_VENDOR_CLASS = 60
DHCP4_SPACE = "dhcp4"

BUILTIN = {
    "subnet-mask": (1, "ipv4-address"),
    "routers": (3, "ipv4-address"),
    "domain-name-servers": (6, "ipv4-address"),
    "domain-name": (15, "string"),
    "ntp-servers": (42, "ipv4-address"),
    "vendor-encapsulated-options": (OPTION_VENDOR_SPECIFIC, "binary"),
    "vendor-class-identifier": (OPTION_VENDOR_CLASS, "string"),
}
_CODE_TYPES = {code: kind for code, kind in BUILTIN.values()}
_EXACT_TEST = re.compile(r"^\s*option\[(?:60|vendor-class-identifier)\]\.text\s*==\s*'([^']*)'\s*$")
_ANY_TEST = re.compile(r"option\[(?:60|vendor-class-identifier)\]\.(?:text|hex)[^']*'([^']*)'")
_INTEGER_SIZES = {"uint8": 1, "int8": 1, "uint16": 2, "int16": 2, "uint32": 4, "int32": 4}
_COMMENT = re.compile(r'("(?:[^"\\]|\\.)*")|/\*.*?\*/|//[^\n]*|#[^\n]*', re.DOTALL)


def read(text: str) -> Found:
    document = _load(text)
    found = Found()
    body = document
    if isinstance(document, dict) and isinstance(document.get("Dhcp4"), dict):
        body = document["Dhcp4"]
        prefix = "Dhcp4"
    else:
        prefix = ""
    if isinstance(body, list):
        body = {"option-data": body}
        prefix = ""
    elif isinstance(body, dict) and "data" in body and ("name" in body or "code" in body):
        body = {"option-data": [body]}
        prefix = ""
    if not isinstance(body, dict):
        raise MalformedPaste("Kea JSON is neither a configuration nor option-data entries")
    definitions = _definitions(body.get("option-def"))
    for klass in _list(body.get("client-classes")):
        if isinstance(klass, dict):
            definitions.update(_definitions(klass.get("option-def")))
    for path, entries, vendor in _option_lists(body, prefix):
        for index, entry in enumerate(entries):
            _entry(found, f"{path}[{index}]", entry, vendor, definitions)
    for index, klass in enumerate(_list(body.get("client-classes"))):
        test = klass.get("test") if isinstance(klass, dict) else None
        exact = _EXACT_TEST.match(test) if isinstance(test, str) else None
        if exact:
            found.options.append(
                PastedOption(
                    OPTION_VENDOR_CLASS,
                    exact.group(1).encode("utf-8"),
                    CLASS_TEST_FORM,
                    paths=(_join(prefix, f"client-classes[{index}].test"),),
                )
            )
    return found


def looks_like_json(text: str) -> bool:
    """Whether `text`, past Kea's comments, starts as a JSON object or list."""
    return _without_comments(text).lstrip()[:1] in ("{", "[")


def _without_comments(text: str) -> str:
    """Comments blanked out, line breaks kept, so JSON errors give the paste's own lines."""
    return _COMMENT.sub(lambda m: m.group(1) or re.sub(r"[^\n]", " ", m.group(0)), text)


def _load(text: str) -> Any:
    try:
        return json.loads(_without_comments(text))
    except json.JSONDecodeError as error:
        raise MalformedPaste(f"Kea JSON: {error.msg}", error.colno, error.lineno) from None
    except RecursionError:
        raise MalformedPaste("Kea JSON nests too deeply") from None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _join(prefix: str, rest: str) -> str:
    return f"{prefix}.{rest}" if prefix else rest


def _option_lists(body: dict[str, Any], prefix: str) -> list[tuple[str, list[Any], str | None]]:
    """Every option-data list in the body: (path, entries, vendor class of its client class)."""
    lists: list[tuple[str, list[Any], str | None]] = [
        (_join(prefix, "option-data"), _list(body.get("option-data")), None)
    ]
    for index, klass in enumerate(_list(body.get("client-classes"))):
        if not isinstance(klass, dict):
            continue
        test = klass.get("test")
        any_test = _ANY_TEST.search(test) if isinstance(test, str) else None
        lists.append(
            (
                _join(prefix, f"client-classes[{index}].option-data"),
                _list(klass.get("option-data")),
                any_test.group(1) if any_test else None,
            )
        )
    networks = [
        (_join(prefix, f"shared-networks[{index}]"), network)
        for index, network in enumerate(_list(body.get("shared-networks")))
        if isinstance(network, dict)
    ]
    holders = [(prefix, body), *networks]
    for holder_path, holder in holders:
        if holder is not body:
            lists.append((f"{holder_path}.option-data", _list(holder.get("option-data")), None))
        for index, subnet in enumerate(_list(holder.get("subnet4"))):
            if not isinstance(subnet, dict):
                continue
            subnet_path = _join(holder_path, f"subnet4[{index}]")
            lists.append((f"{subnet_path}.option-data", _list(subnet.get("option-data")), None))
            for pool_index, pool in enumerate(_list(subnet.get("pools"))):
                if isinstance(pool, dict):
                    lists.append(
                        (
                            f"{subnet_path}.pools[{pool_index}].option-data",
                            _list(pool.get("option-data")),
                            None,
                        )
                    )
    return lists


def _definitions(entries: Any) -> dict[tuple[str, str], tuple[int, str]]:
    """(space, name) -> (code, type), from the paste's option-def, classes' included."""
    definitions: dict[tuple[str, str], tuple[int, str]] = {}
    for entry in _list(entries):
        if not isinstance(entry, dict):
            continue
        name, code, kind = entry.get("name"), entry.get("code"), entry.get("type", "binary")
        space = entry.get("space", DHCP4_SPACE)
        if isinstance(name, str) and isinstance(code, int) and isinstance(kind, str):
            definitions[(str(space), name)] = (code, kind)
    return definitions


def _entry(
    found: Found,
    path: str,
    entry: Any,
    vendor: str | None,
    definitions: dict[tuple[str, str], tuple[int, str]],
) -> None:
    def skip(reason: str) -> None:
        found.skipped.append(SkippedLine(None, path, reason))

    if not isinstance(entry, dict):
        skip("an option-data entry that is not an object")
        return
    space = str(entry.get("space", DHCP4_SPACE))
    name, code = entry.get("name"), entry.get("code")
    kind = None
    if isinstance(name, str) and (space, name) in definitions:
        code, kind = definitions[(space, name)]
    elif isinstance(name, str) and space == DHCP4_SPACE and name in BUILTIN:
        code, kind = BUILTIN[name]
    elif isinstance(name, str) and space == DHCP4_SPACE and name == SIP_SERVER_NAME:
        code, kind = 120, "binary"
    if not isinstance(code, int) or isinstance(code, bool) or not 1 <= code <= 254:
        skip(f"option {name or code!r}: no code, and no option-def in the paste names it")
        return
    if kind is None:
        kind = next(
            (k for (s, _n), (c, k) in definitions.items() if s == space and c == code),
            _CODE_TYPES.get(code) if space == DHCP4_SPACE else None,
        )
    data = entry.get("data", "")
    if not isinstance(data, str):
        skip("data is not a string")
        return
    if code == OPTION_VENDOR_SPECIFIC and space == DHCP4_SPACE and not data.strip():
        return  # The container of encapsulated sub-options, set as entries of their space.
    csv = entry.get("csv-format", True)
    try:
        value = _data(data, kind, csv is not False)
    except MalformedHex as error:
        raise MalformedPaste(f"{path}: {error.reason}") from None
    if value is None:
        skip(f"data of type {kind or 'unknown'!r}: no definition says how to read it")
        return
    if space != DHCP4_SPACE:
        if vendor is not None:
            found.vendor_classes[space] = vendor
        found.sub_options.append(
            SubOptionValue(space, code, value, FORM, SUB_OPTION_FORM, path=path)
        )
        return
    found.options.append(
        PastedOption(
            code,
            value,
            FORM,
            vendor=vendor if code == OPTION_VENDOR_SPECIFIC else None,
            paths=(path,),
        )
    )


def _data(data: str, kind: str | None, csv: bool) -> bytes | None:
    if not csv or kind == "binary":
        return parse_hex(data)
    if kind == "string":
        return data.encode("utf-8")
    items = [item.strip() for item in data.split(",")] if data.strip() else []
    if kind == "ipv4-address":
        try:
            return b"".join(ipaddress.IPv4Address(item).packed for item in items)
        except ValueError:
            raise MalformedHex(f"{data!r} is not a list of IPv4 addresses") from None
    if kind in _INTEGER_SIZES:
        size = _INTEGER_SIZES[kind]
        try:
            return b"".join(
                int(item, 0).to_bytes(size, "big", signed=not kind.startswith("u"))
                for item in items
            )
        except (ValueError, OverflowError):
            raise MalformedHex(f"{data!r} is not a list of {kind} numbers") from None
    return None


__all__ = ["FORM", "SUB_OPTION_FORM", "looks_like_json", "read"]
