"""A whole message's options joined in one pass over its bytes, for the per-packet path.

`dhcp_options.join_options` takes the options field, file and sname as
separate areas and walks them with a generator: clear, and the reference. A
fleet reads thousands of answers a second, so this reader walks the message
in place (no slicing of areas, no generator) and builds the same
`JoinedOptions`, with the same errors and offsets. Tests hold it to
`join_options` on random messages.
"""

from __future__ import annotations

from phonesim.codec.bootp_header import FILE_LENGTH, FILE_OFFSET, SNAME_LENGTH, SNAME_OFFSET
from phonesim.codec.dhcp_options import (
    END,
    OPTION_OVERLOAD,
    OVERLOAD_FILE,
    OVERLOAD_SNAME,
    PAD,
    JoinedOptions,
    _overload_value,
)
from phonesim.errors import MalformedDhcp

OPTIONS_FIELD_OFFSET = 240
"""The options field starts after the 236-byte BOOTP header and the magic cookie."""


def read_message_options(data: bytes) -> JoinedOptions:
    """The options of a whole DHCP message (at least 240 bytes), joined as RFC 3396 says.

    Options field first, then file and sname when option 52 says they hold
    options, exactly as `join_options` reads them.
    """
    values: dict[int, bytes] = {}
    parts: dict[int, int] = {}
    overload_at = _take(
        data, OPTIONS_FIELD_OFFSET, len(data), "options field", values, parts, OPTION_OVERLOAD
    )
    overload: int | None = None
    if overload_at is not None:
        overload = _overload_value(values[OPTION_OVERLOAD], overload_at)
        # Only the options field may redirect (RFC 2131 §4.1): 52 met below is a plain option.
        if overload & OVERLOAD_FILE:
            _take(data, FILE_OFFSET, FILE_OFFSET + FILE_LENGTH, "file field", values, parts)
        if overload & OVERLOAD_SNAME:
            _take(data, SNAME_OFFSET, SNAME_OFFSET + SNAME_LENGTH, "sname field", values, parts)
    return JoinedOptions(values=values, parts=parts, order=tuple(values), overload=overload)


def _take(
    data: bytes,
    begin: int,
    stop: int,
    area: str,
    values: dict[int, bytes],
    parts: dict[int, int],
    watch: int = -1,
) -> int | None:
    """Add the instances in data[begin:stop] to `values`; the offset of the first `watch` seen.

    Dicts keep insertion order, so `values` also records the order in which
    codes first appeared, as `JoinedOptions.order` wants.
    """
    watched_at: int | None = None
    position = begin
    while position < stop:
        code = data[position]
        if code == PAD:
            position += 1
            continue
        if code == END:
            break
        if position + 1 >= stop:
            raise MalformedDhcp(f"option {code} in the {area} has no length byte", offset=position)
        start = position + 2
        end = start + data[position + 1]
        if end > stop:
            raise MalformedDhcp(
                f"option {code} in the {area} declares {end - start} bytes "
                f"but only {stop - start} remain",
                offset=position,
            )
        if code in values:
            values[code] += data[start:end]
            parts[code] += 1
        else:
            values[code] = data[start:end]
            parts[code] = 1
            if code == watch:
                watched_at = position
        position = end
    return watched_at
