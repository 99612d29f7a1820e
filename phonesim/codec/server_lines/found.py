"""What the readers of pasted configuration find: option values, sub-options, skipped lines."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from phonesim.codec.hex_text import parse_hex
from phonesim.errors import MalformedHex, MalformedPaste

NOT_READ = "not a line phonesim reads"


def small_number(text: str) -> int | None:
    """`text` as a decimal number of at most 10 ASCII digits, else None.

    Codes, lengths and values in a paste are small; refusing longer digit runs
    keeps a pasted wall of digits from costing a huge conversion.
    """
    if 0 < len(text) <= 10 and text.isascii() and text.isdigit():
        return int(text)
    return None


def shown(text: str, limit: int = 40) -> str:
    """`text` quoted for a message, shortened when long."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "..."


def option_code(line: Line, text: str, column: int) -> int:
    """An option code written in the line at `column`; outside 1..254 is an error there."""
    code = small_number(text)
    if code is None or not 1 <= code <= 254:
        raise line.error(f"option code {shown(text)} is outside 1..254", column)
    return code


@dataclass(frozen=True)
class Line:
    number: int
    """From 1, as an editor shows it."""
    text: str
    numbered: bool
    """The paste has several lines, so messages say which one."""

    def error(self, reason: str, column: int | None = None) -> MalformedPaste:
        return MalformedPaste(reason, column, self.number if self.numbered else None)

    @property
    def where(self) -> tuple[int, ...]:
        return (self.number,) if self.numbered else ()

    def hex(self, text: str, start: int) -> bytes:
        """`text`, found at column `start` of this line, as hex; errors say the column."""
        try:
            return parse_hex(text)
        except MalformedPaste:
            raise
        except MalformedHex as error:
            offset = None if error.offset is None else start + error.offset
            raise self.error(error.reason, offset) from None

    def addresses(self, texts: list[str]) -> bytes:
        value = bytearray()
        for text in texts:
            try:
                value += ipaddress.IPv4Address(text.strip()).packed
            except ValueError:
                raise self.error(f"{text.strip()!r} is not an IPv4 address") from None
        return bytes(value)


@dataclass(frozen=True)
class PastedOption:
    code: int
    value: bytes
    form: str
    guessed: bool = False
    """The code came from the value's content, not from the text."""
    vendor: str | None = None
    """The vendor class (or the netsh class name) the paste gives this option 43 to."""
    sub_option: int | None = None
    """Which sub-option of option 43 `value` is, when one sub-option was pasted alone."""
    lines: tuple[int, ...] = ()
    """The lines of a several-line paste the value came from."""
    paths: tuple[str, ...] = ()
    """Where in a Kea JSON document the value came from."""
    cut: str | None = None
    """Set when the option's own length disagrees with the bytes present: what it says."""


@dataclass(frozen=True)
class SubOptionValue:
    """One sub-option of option 43, set on its own line (or Kea entry)."""

    space: str
    """What groups the sub-options into one option 43: netsh class, dnsmasq vendor class,
    dhcpd option space, Kea option space."""
    code: int
    value: bytes
    form: str
    """How the one line is named when it is the whole paste."""
    joined_form: str
    """How the option 43 the sub-options make is named."""
    line: Line | None = None
    path: str | None = None


@dataclass(frozen=True)
class SkippedLine:
    line: int | None
    """None for a single-line paste, or for a Kea entry (then `text` says where it is)."""
    text: str
    reason: str


@dataclass
class Found:
    """What one reader took from a paste."""

    options: list[PastedOption] = field(default_factory=list)
    sub_options: list[SubOptionValue] = field(default_factory=list)
    vendor_classes: dict[str, str] = field(default_factory=dict)
    """Sub-option space -> the vendor class its option 43 is sent to."""
    claimed: set[int] = field(default_factory=set)
    """Lines this reader understood, with a value or without one (definitions, structure)."""
    skipped: list[SkippedLine] = field(default_factory=list)
    """Lines (or parts) of this reader's format that give no value phonesim can read."""
    no_value_hint: str | None = None
    """What to paste instead, when the reader found definitions but no value."""

    def skip(self, line: Line, reason: str, text: str | None = None) -> None:
        self.claimed.add(line.number)
        self.skipped.append(
            SkippedLine(line.number if line.numbered else None, text or line.text.strip(), reason)
        )
