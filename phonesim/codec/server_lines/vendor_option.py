"""Sub-options set one by one, joined into the option 43 the server sends.

A server given sub-options one line each (netsh vendor options, dnsmasq
`vendor:`, dhcpd option spaces, Kea spaces) sends them as one option 43 of
code/length/value sub-options (RFC 2132 §8.4), in the order configured. That
option, not each line, is what the phone reads: a sub-option missing from the
paste is then reported as missing, as the phone would miss it.
"""

from __future__ import annotations

from phonesim.codec.server_lines.found import PastedOption, SubOptionValue
from phonesim.errors import MalformedPaste

OPTION_VENDOR_SPECIFIC = 43
MAX_SUB_OPTION = 255


def join_sub_options(
    sub_options: list[SubOptionValue], vendor_classes: dict[str, str], *, alone: bool
) -> list[PastedOption]:
    """One option 43 per space; a sub-option pasted alone (`alone`) is read on its own."""
    if alone and len(sub_options) == 1:
        (sub,) = sub_options
        return [
            PastedOption(
                OPTION_VENDOR_SPECIFIC,
                sub.value,
                sub.form,
                vendor=vendor_classes.get(sub.space, sub.space),
                sub_option=sub.code,
                lines=sub.line.where if sub.line else (),
                paths=(sub.path,) if sub.path else (),
            )
        ]
    spaces: dict[str, list[SubOptionValue]] = {}
    for sub in sub_options:
        spaces.setdefault(sub.space, []).append(sub)
    joined = []
    for space, subs in spaces.items():
        value = bytearray()
        for sub in subs:
            if len(sub.value) > MAX_SUB_OPTION:
                reason = (
                    f"sub-option {sub.code} is {len(sub.value)} bytes; one sub-option holds "
                    f"{MAX_SUB_OPTION}"
                )
                if sub.line is not None:
                    raise sub.line.error(reason)
                raise MalformedPaste(f"{sub.path}: {reason}")
            value += bytes((sub.code, len(sub.value))) + sub.value
        joined.append(
            PastedOption(
                OPTION_VENDOR_SPECIFIC,
                bytes(value),
                subs[0].joined_form,
                vendor=vendor_classes.get(space, space),
                lines=tuple(n for sub in subs if sub.line for n in sub.line.where),
                paths=tuple(sub.path for sub in subs if sub.path),
            )
        )
    return joined
