"""DHCP option areas as raw code/value pairs, with RFC 3396 long options and option 52.

scapy turns every option instance into a Python value on its own, so it can
neither concatenate the instances of a split option nor follow option 52 into
the `file` and `sname` fields, and it refuses values over 255 bytes. Real
servers do all three (protocol.md §4, §11), so option areas are walked here as
raw bytes and an option is interpreted only after its parts are joined.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from phonesim.errors import MalformedDhcp, MalformedOption

PAD = 0
END = 255
OPTION_OVERLOAD = 52
MAX_INSTANCE_LENGTH = 255

OVERLOAD_FILE = 1
OVERLOAD_SNAME = 2
OVERLOAD_BOTH = 3


def iter_options(data: bytes) -> Iterator[tuple[int, bytes]]:
    """Yield (code, value) for each option instance, in wire order, stopping at the end code.

    A missing end code is tolerated: the area simply runs to the end of `data`.
    Bytes after the end code are padding by RFC 2131 and are not looked at.
    """
    for _offset, code, value in _walk(data, base=0, area="options area"):
        yield code, value


def _walk(data: bytes, *, base: int, area: str) -> Iterator[tuple[int, int, bytes]]:
    position = 0
    size = len(data)
    while position < size:
        code = data[position]
        if code == PAD:
            position += 1
            continue
        if code == END:
            return
        if position + 1 >= size:
            raise MalformedDhcp(
                f"option {code} in the {area} has no length byte", offset=base + position
            )
        length = data[position + 1]
        start = position + 2
        if start + length > size:
            raise MalformedDhcp(
                f"option {code} in the {area} declares {length} bytes "
                f"but only {size - start} remain",
                offset=base + position,
            )
        yield base + position, code, bytes(data[start : start + length])
        position = start + length


@dataclass(frozen=True)
class JoinedOptions:
    """The options of one message after RFC 3396 concatenation.

    `parts` keeps how many instances each code arrived in, because a split
    option is a server behaviour worth showing in a trace even when it decodes.
    """

    values: Mapping[int, bytes]
    parts: Mapping[int, int]
    order: tuple[int, ...]
    overload: int | None = None

    def __post_init__(self) -> None:
        # Read-only views, so a decoded message cannot be changed behind a trace's back.
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))
        object.__setattr__(self, "parts", MappingProxyType(dict(self.parts)))

    def __hash__(self) -> int:
        # The generated hash would fail on the mapping views; hash their items instead.
        return hash((tuple(self.values.items()), self.order, self.overload))

    def get(self, code: int) -> bytes | None:
        return self.values.get(code)

    def __contains__(self, code: object) -> bool:
        return code in self.values


def join_options(
    options_field: bytes,
    *,
    file: bytes = b"",
    sname: bytes = b"",
    offsets: tuple[int, int, int] = (0, 0, 0),
) -> JoinedOptions:
    """Join every instance of each option, options field first, then file, then sname.

    `file` and `sname` are read as option areas only when option 52 in the
    options field says so; otherwise they hold a boot file name and a server
    name and must not be parsed. `offsets` says where the options field, file
    and sname start in the whole message, so that an error offset points into
    the message rather than into one area.
    """
    values: dict[int, bytearray] = {}
    parts: dict[int, int] = {}
    order: list[int] = []
    options_at, file_at, sname_at = offsets

    def take(data: bytes, base: int, area: str) -> None:
        for _offset, code, value in _walk(data, base=base, area=area):
            if code not in values:
                values[code] = bytearray()
                parts[code] = 0
                order.append(code)
            values[code] += value
            parts[code] += 1

    take(options_field, options_at, "options field")
    # Only the options field may say where more options are (RFC 2131 §4.1);
    # an option 52 met later inside file or sname redirects nothing.
    overload: int | None = None
    if OPTION_OVERLOAD in values:
        at = _first_offset(options_field, OPTION_OVERLOAD, options_at)
        overload = _overload_value(bytes(values[OPTION_OVERLOAD]), at)
        if overload & OVERLOAD_FILE:
            take(file, file_at, "file field")
        if overload & OVERLOAD_SNAME:
            take(sname, sname_at, "sname field")
    return JoinedOptions(
        values={code: bytes(value) for code, value in values.items()},
        parts=parts,
        order=tuple(order),
        overload=overload,
    )


def _first_offset(data: bytes, wanted: int, base: int) -> int:
    for offset, code, _value in _walk(data, base=base, area="options field"):
        if code == wanted:
            return offset
    return base


def _overload_value(value: bytes, offset: int) -> int:
    if len(value) != 1 or value[0] not in (OVERLOAD_FILE, OVERLOAD_SNAME, OVERLOAD_BOTH):
        raise MalformedDhcp(
            f"option 52 (overload) is {value.hex() or 'empty'}; "
            "only 1 (file), 2 (sname) or 3 (both) exist",
            offset=offset,
        )
    return value[0]


def split_option(code: int, value: bytes) -> list[tuple[int, bytes]]:
    """Cut a value into RFC 3396 instances of at most 255 bytes each.

    An empty value still makes one instance, because an option of length zero
    is meaningful (it says the option is present).
    """
    if not 1 <= code <= 254:
        raise MalformedOption(code, "codes 0 (pad) and 255 (end) cannot carry a value")
    if not value:
        return [(code, b"")]
    return [
        (code, bytes(value[start : start + MAX_INSTANCE_LENGTH]))
        for start in range(0, len(value), MAX_INSTANCE_LENGTH)
    ]


def encode_options(options: Iterable[tuple[int, bytes]]) -> bytes:
    """Code/length/value bytes for the options, long values split; the caller adds the end code."""
    encoded = bytearray()
    for code, value in options:
        for part_code, part in split_option(code, value):
            encoded.append(part_code)
            encoded.append(len(part))
            encoded += part
    return bytes(encoded)
