"""Moving a captured DHCP message to another client: new xid, MAC and address.

Replaying a capture re-sends a phone's INFORM from this machine, or serves a
server's captured ACK to a new phone; in both the message must look as if it
belonged to the new transaction, and nothing else in it may change, so the
bytes are patched in place rather than rebuilt (a rebuild would normalise the
very layout differences a capture is kept for).
"""

from __future__ import annotations

from phonesim.codec.dhcp_fields import ipv4_bytes, mac_bytes, xid_bytes
from phonesim.codec.dhcp_message import OPTION_CLIENT_ID, OPTIONS_OFFSET
from phonesim.codec.dhcp_options import END, PAD
from phonesim.errors import MalformedDhcp

XID = slice(4, 8)
FLAGS = slice(10, 12)
CIADDR = slice(12, 16)
GIADDR = slice(24, 28)
CHADDR_AT = 28
HLEN_AT = 2
HTYPE_ETHERNET = 1


def rewrite_client(
    message: bytes,
    *,
    xid: int | None = None,
    mac: str | None = None,
    ciaddr: str | None = None,
    giaddr: str | None = None,
    flags: int | None = None,
) -> bytes:
    """`message` with the given header fields replaced; the rest byte for byte the same.

    With `mac`, the client identifier (option 61) is changed too where it is
    the usual hardware-type-1 form of the old MAC, so the server does not see
    two different clients in one message.
    """
    if len(message) < OPTIONS_OFFSET:
        raise MalformedDhcp(
            f"{len(message)} bytes is too short to rewrite; a DHCP message has "
            f"at least {OPTIONS_OFFSET}",
            offset=len(message),
        )
    data = bytearray(message)
    if xid is not None:
        data[XID] = xid_bytes(xid, action="rewrite")
    if flags is not None:
        data[FLAGS] = (flags & 0xFFFF).to_bytes(2, "big")
    if ciaddr is not None:
        data[CIADDR] = ipv4_bytes("ciaddr", ciaddr, action="rewrite")
    if giaddr is not None:
        data[GIADDR] = ipv4_bytes("giaddr", giaddr, action="rewrite")
    if mac is not None:
        new = mac_bytes(mac, action="rewrite")
        hlen = min(data[HLEN_AT], 16) or len(new)
        old = bytes(data[CHADDR_AT : CHADDR_AT + hlen])
        data[CHADDR_AT : CHADDR_AT + 16] = new.ljust(16, b"\x00")
        data[HLEN_AT] = len(new)
        _rewrite_client_id(data, bytes((HTYPE_ETHERNET,)) + old[:6], bytes((HTYPE_ETHERNET,)) + new)
    return bytes(data)


def _rewrite_client_id(data: bytearray, old: bytes, new: bytes) -> None:
    position = OPTIONS_OFFSET
    while position < len(data):
        code = data[position]
        if code == PAD:
            position += 1
            continue
        if code == END or position + 1 >= len(data):
            return
        length = data[position + 1]
        start = position + 2
        if code == OPTION_CLIENT_ID and bytes(data[start : start + length]) == old:
            data[start : start + length] = new
        position = start + length
