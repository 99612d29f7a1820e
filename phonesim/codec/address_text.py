"""Whether a piece of text an admin typed or a server sent is an IPv4 address or a host name.

Host names follow the LDH rule of RFC 1123 §2.1 (letters, digits, hyphen; no
hyphen at either end of a label; labels up to 63 characters, names up to 253):
a name outside it cannot be looked up, so a phone given one cannot sign in.
"""

from __future__ import annotations

import ipaddress
import re

MAX_LABEL = 63
MAX_NAME = 253
_LDH_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")


def is_ipv4(text: str) -> bool:
    """Dotted-quad IPv4 as `ipaddress` reads it (no leading zeros, four parts)."""
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


def host_name_problem(name: str) -> str | None:
    """What makes `name` (no trailing dot) not a host name, said after the name; None if fine."""
    for label in name.split("."):
        if not label:
            return " has an empty label"
        if len(label) > MAX_LABEL:
            return (
                f": label {label[:20]!r}... is {len(label)} characters; a label holds {MAX_LABEL}"
            )
        if not _LDH_LABEL.match(label):
            return f": label {label!r} is not letters, digits and hyphens (no hyphen at either end)"
    if len(name) > MAX_NAME:
        return f" is {len(name)} characters; a name holds {MAX_NAME}"
    return None


__all__ = ["MAX_LABEL", "MAX_NAME", "host_name_problem", "is_ipv4"]
