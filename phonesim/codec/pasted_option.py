"""Option values as admins paste them: bare hex, a whole option, or a server's configuration.

What people have at hand when a phone does not sign in is rarely a capture:
it is DHCPUtil's hex, the `netsh dhcp server` lines of the Windows server, a
Cisco IOS pool, a dnsmasq, dhcpd or Kea configuration, whole or in part. Each
form is read back to (option code, value bytes); the meaning is left to the
option codecs. A configuration is read line by line (`server_lines`): every
line gives a value, is understood as carrying none (a definition, a subnet),
or is listed as skipped with its number, never silently dropped.

Without a code, a value of code/length/value options 43, 60 or 120 whose
lengths add up exactly is taken as whole options (e.g. `2b55010c4d53...`);
otherwise the value's content says which option it is, and the result says
that it was guessed. A whole option whose length byte disagrees with the
bytes present is read as that option, cut (`cut` says how).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from phonesim.codec.hex_text import parse_hex
from phonesim.codec.ms_uc_client_option import decode_ms_uc_client_option
from phonesim.codec.server_lines import cisco_ios, dhcputil, dnsmasq, isc_dhcpd, kea, netsh
from phonesim.codec.server_lines.found import (
    NOT_READ,
    Found,
    Line,
    PastedOption,
    SkippedLine,
    SubOptionValue,
)
from phonesim.codec.server_lines.vendor_option import join_sub_options
from phonesim.codec.sip_server_option import decode_sip_server_option
from phonesim.errors import MalformedHex, MalformedOption, MalformedPaste

OPTION_VENDOR_SPECIFIC = 43
OPTION_VENDOR_CLASS = 60
OPTION_SIP_SERVERS = 120
DECODED_OPTIONS = (OPTION_VENDOR_SPECIFIC, OPTION_VENDOR_CLASS, OPTION_SIP_SERVERS)

FORM_HEX = "hex value"
FORM_WHOLE = "whole option (code, length, value)"
FORM_NETSH = netsh.FORM
FORM_CISCO = cisco_ios.FORM
FORM_DHCPD = isc_dhcpd.FORM
FORM_DNSMASQ = dnsmasq.FORM
FORM_KEA = kea.FORM
FORM_DHCPUTIL = dhcputil.FORM

FORMATS_READ = "netsh, DHCPUtil, dnsmasq, Cisco IOS, ISC dhcpd or Kea"
# In this order: each reader gets the lines the ones before it did not understand.
LINE_READERS = (netsh.read, dhcputil.read, dnsmasq.read, cisco_ios.read, isc_dhcpd.read)
_COMMENT = re.compile(r"^\s*(?:#|!|;|//|::|rem\b|@echo\b)", re.IGNORECASE)
_HEX_START = re.compile(r"^\s*(?:0x|[0-9A-Fa-f])")


@dataclass(frozen=True)
class PastedText:
    options: tuple[PastedOption, ...]
    skipped: tuple[SkippedLine, ...] = ()
    """Lines (or Kea entries) that gave no value phonesim reads, each with the reason."""


def read_pasted_text(text: str, *, code: int | None = None) -> PastedText:
    """The options in `text`, and what was skipped; `code` says which option a bare value is."""
    if code is not None and not 1 <= code <= 254:
        raise MalformedHex(f"option code {code} is outside 1..254")
    stripped = text.strip()
    if not stripped:
        raise MalformedHex("nothing to decode", 0)
    if kea.looks_like_json(stripped):
        pasted = _gathered([kea.read(text)], [], numbered=False)
        if not pasted.options:
            reason = pasted.skipped[0].reason if pasted.skipped else "no option-data entries"
            where = f"{pasted.skipped[0].text}: " if pasted.skipped else ""
            raise MalformedPaste(f"Kea JSON with no option phonesim reads ({where}{reason})")
        return pasted
    try:
        value = parse_hex(stripped)
    except MalformedHex as error:
        return _read_lines(text, error)
    if not value:
        raise MalformedHex("no hex digits", 0)
    return PastedText(tuple(_bare_value(value, code, stripped)))


def parse_pasted_option(text: str, *, code: int | None = None) -> list[PastedOption]:
    """The options in `text`, which must be read whole: a line that is not raises."""
    pasted = read_pasted_text(text, code=code)
    if pasted.skipped:
        first = pasted.skipped[0]
        raise MalformedPaste(f"{first.reason}: {first.text!r}", line=first.line)
    return list(pasted.options)


def _read_lines(text: str, hex_error: MalformedHex) -> PastedText:
    content = [
        (number, line)
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not _COMMENT.match(line)
    ]
    if not content:
        raise MalformedPaste("only comments: nothing to decode")
    numbered = sum(1 for line in text.splitlines() if line.strip()) > 1
    remaining = [Line(number, line, numbered) for number, line in content]
    found: list[Found] = []
    for reader in LINE_READERS:
        result = reader(remaining)
        found.append(result)
        remaining = [line for line in remaining if line.number not in result.claimed]
    pasted = _gathered(found, remaining, numbered=numbered)
    if pasted.options:
        return pasted
    specific = [s for s in pasted.skipped if s.reason != NOT_READ]
    if specific:
        first = specific[0]
        raise MalformedPaste(first.reason, line=first.line)
    hint = next((f.no_value_hint for f in found if f.no_value_hint), None)
    if hint:
        raise MalformedPaste(hint)
    if len(content) == 1 and _HEX_START.match(content[0][1]):
        raise hex_error
    if len(content) == 1:
        raise MalformedPaste(f"neither hex nor a {FORMATS_READ} line phonesim reads")
    raise MalformedPaste(
        f"nothing phonesim reads in these {len(content)} lines: neither hex nor {FORMATS_READ} "
        "configuration"
    )


def _gathered(found: list[Found], unread: list[Line], *, numbered: bool) -> PastedText:
    options = [option for result in found for option in result.options]
    sub_options: list[SubOptionValue] = [sub for result in found for sub in result.sub_options]
    vendor_classes = {k: v for result in found for k, v in result.vendor_classes.items()}
    options += join_sub_options(
        sub_options, vendor_classes, alone=len(options) + len(sub_options) == 1
    )
    skipped = [skip for result in found for skip in result.skipped]
    skipped += [
        SkippedLine(line.number if numbered else None, line.text.strip(), _why(line))
        for line in unread
    ]
    return PastedText(
        tuple(sorted(options, key=lambda option: option.lines[:1] or (0,))),
        tuple(sorted(skipped, key=lambda skip: skip.line or 0)),
    )


def _why(line: Line) -> str:
    try:
        parse_hex(line.text)
    except MalformedHex:
        return NOT_READ
    return "hex on a line of its own: paste it alone, or join it to the line it continues"


def _bare_value(value: bytes, code: int | None, text: str) -> list[PastedOption]:
    if code is not None:
        return [_with_code(code, value)]
    whole = _whole_options(value)
    if whole is not None:
        return whole
    try:
        return [PastedOption(_guess_code(value), value, FORM_HEX, guessed=True)]
    except MalformedHex as error:
        cut = _cut_whole_options(value)
        if cut is not None:
            return cut
        by_line = _values_by_line(text)
        if by_line is not None:
            return by_line
        raise error from None


def _with_code(code: int, value: bytes) -> PastedOption:
    """A value given with `--option`, which may still be the whole option (code, length)."""
    if len(value) >= 2 and value[0] == code:
        declared, present = value[1], len(value) - 2
        if declared == present:
            return PastedOption(code, value[2:], FORM_WHOLE)
        if code in (OPTION_VENDOR_SPECIFIC, OPTION_SIP_SERVERS) and not _reads_as(code, value):
            return PastedOption(code, value[2:], FORM_WHOLE, cut=_cut_text(code, declared, present))
    return PastedOption(code, value, FORM_HEX)


def _reads_as(code: int, value: bytes) -> bool:
    """Whether `value` reads cleanly as a bare value of option 43 or 120."""
    try:
        if code == OPTION_SIP_SERVERS:
            decode_sip_server_option(value)
            return True
        return decode_ms_uc_client_option(value).truncated is None
    except MalformedOption:
        return False


def _cut_text(code: int, declared: int, present: int) -> str:
    what = "the value is cut" if declared > present else "more bytes follow than it declares"
    return f"option {code} declares {declared} bytes, {present} present: {what}"


def _values_by_line(text: str) -> list[PastedOption] | None:
    """Several values, one per line, when the lines joined are no one value."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        return None
    options = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = parse_hex(line)
            read = _whole_options(value) or [
                PastedOption(_guess_code(value), value, FORM_HEX, guessed=True)
            ]
        except MalformedHex:
            return None
        options += [
            PastedOption(o.code, o.value, o.form, guessed=o.guessed, lines=(number,)) for o in read
        ]
    return options


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


def _cut_whole_options(value: bytes) -> list[PastedOption] | None:
    """Whole options 43, 60 or 120 of which the last one's length byte disagrees with the
    bytes left, else None.

    Only the last can be told: when a length is wrong, the bytes after it are read
    as the next option while they look like one, and the rest belongs to the
    option before.
    """
    found: list[PastedOption] = []
    position = 0
    while position + 2 <= len(value) and value[position] in DECODED_OPTIONS:
        code, declared = value[position], value[position + 1]
        end = position + 2 + declared
        if end == len(value):
            return None  # Lengths that add up are whole options, not a cut one.
        follows = end + 2 <= len(value) and value[end] in DECODED_OPTIONS
        if end < len(value) and follows:
            found.append(PastedOption(code, value[position + 2 : end], FORM_WHOLE))
            position = end
            continue
        present = len(value) - position - 2
        cut = _cut_text(code, declared, present)
        found.append(PastedOption(code, value[position + 2 :], FORM_WHOLE, cut=cut))
        return found
    return None
