"""Whether a piece of text an admin typed or a server sent is an IPv4 address."""

from __future__ import annotations

import ipaddress


def is_ipv4(text: str) -> bool:
    """Dotted-quad IPv4 as `ipaddress` reads it (no leading zeros, four parts)."""
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


__all__ = ["is_ipv4"]
