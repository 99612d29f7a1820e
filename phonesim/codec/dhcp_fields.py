"""Checks on the values a DHCP message is built from, shared by the builders and templates.

`build_inform` and the templates that stamp its bytes per phone must refuse
exactly the same input with exactly the same error, so the checks live once.
Each returns the wire bytes it has already had to compute.
"""

from __future__ import annotations

import ipaddress
import re
from socket import inet_aton, inet_ntoa

from phonesim.errors import MalformedDhcp

_MAC = re.compile(r"^[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}$")


def mac_bytes(mac: str, *, action: str = "build") -> bytes:
    """The 6 bytes of a MAC written like 00:04:f2:12:34:56 (or with dashes, any case).

    `action` names what was being done in the error: building or rewriting a message.
    """
    if not _MAC.match(mac):
        raise MalformedDhcp(f"cannot {action}: {mac!r} is not a MAC address like 00:04:f2:12:34:56")
    return bytes.fromhex(mac.replace(":", "").replace("-", ""))


def xid_bytes(xid: int, *, action: str = "build") -> bytes:
    if not 0 <= xid <= 0xFFFFFFFF:
        raise MalformedDhcp(f"cannot {action}: xid {xid} does not fit in 32 bits")
    return xid.to_bytes(4, "big")


def ipv4_bytes(field: str, address: str, *, action: str = "build") -> bytes:
    """The 4 bytes of a dotted-quad address; `field` names it in the error.

    Accepts exactly what `ipaddress.IPv4Address` accepts. That is the
    canonical dotted quad, so a string the C library reads and writes back
    unchanged needs no slower check (a few times faster per phone).
    """
    try:
        packed = inet_aton(address)
    except (OSError, TypeError, ValueError):
        pass
    else:
        if inet_ntoa(packed) == address:
            return packed
    try:
        return ipaddress.IPv4Address(address).packed
    except ValueError as error:
        raise MalformedDhcp(
            f"cannot {action}: {field} {address!r} is not an IPv4 address"
        ) from error
