"""Option values as admins paste them: bare hex, a whole option, or a server's config line.

What people have at hand when a phone does not sign in is rarely a capture:
it is DHCPUtil's hex, the `netsh dhcp server ... set optionvalue` line of the
Windows server, the `option 43 hex ...` line of a Cisco IOS pool, or an ISC
dhcpd `option ...;` line. Each form is read back to (option code, value
bytes); the meaning is left to the option codecs.

Without a code, a value of code/length/value options 43, 60 or 120 whose
lengths add up exactly is taken as whole options (e.g. `2b55010c4d53...`);
otherwise the value's content says which option it is, and the result says
that it was guessed.
"""

from __future__ import annotations

import ipaddress
import re
import shlex
from dataclasses import dataclass

from phonesim.codec.hex_text import parse_hex
from phonesim.codec.ms_uc_client_option import decode_ms_uc_client_option
from phonesim.codec.sip_server_option import decode_sip_server_option
from phonesim.errors import MalformedHex, MalformedOption

OPTION_VENDOR_SPECIFIC = 43
OPTION_VENDOR_CLASS = 60
OPTION_SIP_SERVERS = 120
DECODED_OPTIONS = (OPTION_VENDOR_SPECIFIC, OPTION_VENDOR_CLASS, OPTION_SIP_SERVERS)

FORM_HEX = "hex value"
FORM_WHOLE = "whole option (code, length, value)"
FORM_NETSH = "netsh line"
FORM_CISCO = "Cisco IOS line"
FORM_DHCPD = "ISC dhcpd line"

_NETSH_VALUE = re.compile(r"\boptionvalue\s+(\d+)\s+(\w+)(.*)$", re.IGNORECASE | re.DOTALL)
_NETSH_CLASS = re.compile(
    r'\badd\s+class\s+(\S+)\s+"([^"]*)"\s+"([^"]*)"', re.IGNORECASE | re.DOTALL
)
_NETSH_DEFINITION = re.compile(r"\badd\s+optiondef\s+(\d+)", re.IGNORECASE)
_CISCO = re.compile(r"^\s*option\s+(?:ext\s+)?(\d+)\s+(hex|ascii|ip)\s+(.+?)\s*$", re.IGNORECASE)
_DHCPD = re.compile(r"^\s*option\s+([A-Za-z][\w-]*)\s+(.+?)\s*;?\s*$", re.DOTALL)
_DHCPD_NAMES = {
    "vendor-encapsulated-options": OPTION_VENDOR_SPECIFIC,
    "vendor-class-identifier": OPTION_VENDOR_CLASS,
}
_COLON_HEX = re.compile(r"^[0-9A-Fa-f]{1,2}(?::[0-9A-Fa-f]{1,2})*$")


@dataclass(frozen=True)
class PastedOption:
    code: int
    value: bytes
    form: str
    guessed: bool = False
    """The code came from the value's content, not from the text."""
    vendor: str | None = None
    """netsh `vendor=NAME`: the value is one sub-option of option 43 for that class."""
    sub_option: int | None = None
    """Which sub-option of option 43 `value` is (netsh vendor options), else None."""


def parse_pasted_option(text: str, *, code: int | None = None) -> list[PastedOption]:
    """The options in `text`; `code` says which option a bare value is for."""
    if code is not None and not 1 <= code <= 254:
        raise MalformedHex(f"option code {code} is outside 1..254")
    stripped = text.strip()
    if not stripped:
        raise MalformedHex("nothing to decode", 0)
    if _NETSH_DEFINITION.search(stripped) and not _NETSH_VALUE.search(stripped):
        raise MalformedHex(
            "an 'add optiondef' line defines an option but carries no value; "
            "paste the 'set optionvalue' line"
        )
    netsh_class = _NETSH_CLASS.search(stripped)
    if netsh_class:
        return [
            PastedOption(OPTION_VENDOR_CLASS, netsh_class.group(3).encode("latin-1"), FORM_NETSH)
        ]
    netsh = _NETSH_VALUE.search(stripped)
    if netsh:
        return [_netsh_value(netsh, stripped)]
    cisco = _CISCO.match(stripped)
    if cisco:
        return [_cisco_value(cisco)]
    dhcpd = _DHCPD.match(stripped)
    if dhcpd:
        return [_dhcpd_value(dhcpd)]
    value = parse_hex(stripped)
    if not value:
        raise MalformedHex("no hex digits", 0)
    if code is not None:
        return [PastedOption(code, value, FORM_HEX)]
    whole = _whole_options(value)
    if whole is not None:
        return whole
    return [PastedOption(_guess_code(value), value, FORM_HEX, guessed=True)]


def _netsh_value(match: re.Match[str], text: str) -> PastedOption:
    code = int(match.group(1))
    kind = match.group(2).upper()
    try:
        tokens = shlex.split(match.group(3), posix=True)
    except ValueError as error:
        raise MalformedHex(f"netsh line: {error}", match.start(3)) from None
    vendor = None
    values = []
    for token in tokens:
        key, equals, rest = token.partition("=")
        if equals and key.lower() in ("vendor", "user"):
            if key.lower() == "vendor":
                vendor = rest
            continue
        values.append(token)
    if not values:
        raise MalformedHex(f"netsh line sets option {code} but gives no value", len(text))
    if kind in ("BINARY", "ENCAPSULATED"):
        value = parse_hex(" ".join(values))
    elif kind == "STRING":
        value = " ".join(values).encode("latin-1")
    elif kind == "IPADDRESS":
        value = b"".join(_address(v) for v in values)
    else:
        raise MalformedHex(
            f"netsh value type {kind} is not one phonesim decodes (BINARY, ENCAPSULATED, "
            "STRING, IPADDRESS)"
        )
    if vendor is not None:
        return PastedOption(
            OPTION_VENDOR_SPECIFIC, value, FORM_NETSH, vendor=vendor, sub_option=code
        )
    return PastedOption(code, value, FORM_NETSH)


def _cisco_value(match: re.Match[str]) -> PastedOption:
    code = int(match.group(1))
    kind = match.group(2).lower()
    raw = match.group(3)
    if kind == "hex":
        value = parse_hex(raw)
    elif kind == "ascii":
        value = raw.strip().strip('"').encode("latin-1")
    else:
        value = b"".join(_address(part) for part in raw.split())
    return PastedOption(code, value, FORM_CISCO)


def _dhcpd_value(match: re.Match[str]) -> PastedOption:
    name = match.group(1).lower()
    raw = match.group(2).strip()
    if name in _DHCPD_NAMES:
        code = _DHCPD_NAMES[name]
    elif name.startswith("option-") and name[7:].isdigit():
        code = int(name[7:])
    else:
        raise MalformedHex(f"ISC dhcpd option {name!r} is not one phonesim decodes")
    if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
        return PastedOption(code, raw[1:-1].encode("latin-1"), FORM_DHCPD)
    if _COLON_HEX.match(raw):
        # dhcpd writes bytes below 0x10 with one digit (1:c:4d): each group is one byte.
        return PastedOption(code, bytes(int(group, 16) for group in raw.split(":")), FORM_DHCPD)
    return PastedOption(code, parse_hex(raw), FORM_DHCPD)


def _address(text: str) -> bytes:
    try:
        return ipaddress.IPv4Address(text.strip(",")).packed
    except ValueError:
        raise MalformedHex(f"{text!r} is not an IPv4 address") from None


def _whole_options(value: bytes) -> list[PastedOption] | None:
    """Code/length/value options 43, 60 or 120 that cover `value` exactly, else None."""
    found = []
    position = 0
    while position < len(value):
        if position + 2 > len(value) or value[position] not in DECODED_OPTIONS:
            return None
        length = value[position + 1]
        end = position + 2 + length
        if end > len(value):
            return None
        found.append(PastedOption(value[position], value[position + 2 : end], FORM_WHOLE))
        position = end
    return found or None


def _guess_code(value: bytes) -> int:
    try:
        uc = decode_ms_uc_client_option(value)
    except MalformedOption:
        uc = None
    if (
        uc is not None
        and not uc.unknown
        and uc.order
        and (
            uc.identifier is not None or uc.url_scheme is not None or uc.web_server_fqdn is not None
        )
    ):
        return OPTION_VENDOR_SPECIFIC
    if value[0] in (0, 1):
        try:
            decode_sip_server_option(value)
        except MalformedOption:
            pass
        else:
            return OPTION_SIP_SERVERS
    if value.isascii() and all(32 <= byte < 127 for byte in value):
        return OPTION_VENDOR_CLASS
    if value[0] == 10:
        return OPTION_VENDOR_SPECIFIC  # CPE-OCPHONE: sub-option 10 is the VLAN ID
    raise MalformedHex(
        "cannot tell which option (43, 60 or 120) this value is; give the option code"
    )
