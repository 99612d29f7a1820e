"""The fixed 236-byte BOOTP header (RFC 951, RFC 2131 §2) of every DHCP message.

Its layout never varies, so it is read with one `struct` call: dissecting it
with scapy costs more than a hundred times as much, which a fleet receiving
thousands of answers a second cannot afford. `read_bootp_header_with_scapy`
reads the same fields through scapy's `BOOTP` layer and stays as the
reference the fast reader is tested against on random headers.
"""

from __future__ import annotations

import struct
from socket import inet_ntoa
from typing import NamedTuple

from phonesim.errors import MalformedDhcp

BOOTP_HEADER_LENGTH = 236
XID_OFFSET = 4
FLAGS_OFFSET = 10
CIADDR_OFFSET = 12
YIADDR_OFFSET = 16
SIADDR_OFFSET = 20
GIADDR_OFFSET = 24
CHADDR_OFFSET = 28
CHADDR_LENGTH = 16
SNAME_OFFSET = 44
SNAME_LENGTH = 64
FILE_OFFSET = 108
FILE_LENGTH = 128
MAC_LENGTH = 6
"""The phone's MAC is the first 6 bytes of chaddr (htype 1, Ethernet)."""

# op htype hlen hops | xid | secs flags | ciaddr yiaddr siaddr giaddr | chaddr sname file
_LAYOUT = struct.Struct("!B3xIxxH4s4s4s4s6s10x64s128s")
assert _LAYOUT.size == BOOTP_HEADER_LENGTH


class BootpHeader(NamedTuple):
    """A tuple, because one is built per packet and a tuple is the cheapest to build."""

    op: int
    xid: int
    flags: int
    ciaddr: str
    yiaddr: str
    siaddr: str
    giaddr: str
    chaddr: str
    """The client MAC, lower-case colon form, from the first 6 bytes of chaddr."""
    sname: bytes
    file: bytes


def read_bootp_header(data: bytes) -> BootpHeader:
    """The header fields from the first 236 bytes of `data`, which must hold at least that many."""
    if len(data) < BOOTP_HEADER_LENGTH:
        raise MalformedDhcp(
            f"{len(data)} bytes; the BOOTP header needs {BOOTP_HEADER_LENGTH}", offset=len(data)
        )
    op, xid, flags, ciaddr, yiaddr, siaddr, giaddr, mac, sname, file = _LAYOUT.unpack_from(data)
    return BootpHeader(
        op,
        xid,
        flags,
        inet_ntoa(ciaddr),
        inet_ntoa(yiaddr),
        inet_ntoa(siaddr),
        inet_ntoa(giaddr),
        mac.hex(":"),
        sname,
        file,
    )


def read_bootp_header_with_scapy(data: bytes) -> BootpHeader:
    """The same fields as `read_bootp_header`, dissected by scapy's `BOOTP` layer.

    Slow; kept as the reference that the struct reader must agree with.
    """
    from scapy.layers.dhcp import BOOTP
    from scapy.utils import str2mac

    if len(data) < BOOTP_HEADER_LENGTH:
        raise MalformedDhcp(
            f"{len(data)} bytes; the BOOTP header needs {BOOTP_HEADER_LENGTH}", offset=len(data)
        )
    try:
        bootp = BOOTP(bytes(data[:BOOTP_HEADER_LENGTH]))
        return BootpHeader(
            op=int(bootp.op),
            xid=int(bootp.xid),
            flags=int(bootp.flags),
            ciaddr=str(bootp.ciaddr),
            yiaddr=str(bootp.yiaddr),
            siaddr=str(bootp.siaddr),
            giaddr=str(bootp.giaddr),
            chaddr=str(str2mac(bytes(bootp.chaddr)[:MAC_LENGTH])).lower(),
            sname=bytes(bootp.sname),
            file=bytes(bootp.file),
        )
    except Exception as error:
        raise MalformedDhcp(f"BOOTP header does not dissect: {error}", offset=0) from error
