"""Recognise a well-formed DHCPINFORM of one vendor class from its bytes, without decoding it.

A responder under a storm mostly sees one kind of datagram: a phone's INFORM
with a fixed option layout. Deciding "INFORM, this vendor class, well formed"
needs one walk over the options field, not a full decode into a DhcpMessage.

The answer is one-sided on purpose. `recognise_inform` says yes only when
`decode_dhcp_message` would accept the message with op 1 (BOOTREQUEST),
message type 8 (DHCPINFORM) and exactly this vendor class; it returns None
for everything else, including every message it could not settle quickly
(option 52 overload, a split option 53 or 60, a server id). None therefore
means "decode it to know", never "refuse it".
"""

from __future__ import annotations

from typing import NamedTuple

from phonesim.codec.bootp_header import BOOTP_HEADER_LENGTH, CHADDR_OFFSET, MAC_LENGTH, XID_OFFSET
from phonesim.codec.dhcp_options import END, OPTION_OVERLOAD, PAD

_MAGIC_COOKIE = bytes((99, 130, 83, 99))
_OPTIONS_OFFSET = BOOTP_HEADER_LENGTH + len(_MAGIC_COOKIE)
_BOOTREQUEST = 1
_DHCPINFORM = 8
_OPTION_MESSAGE_TYPE = 53
_OPTION_SERVER_ID = 54
_OPTION_VENDOR_CLASS = 60


class RecognisedInform(NamedTuple):
    xid: int
    chaddr: str
    """The client MAC as `DhcpMessage.chaddr` gives it: lower-case, colon form."""


def recognise_inform(data: bytes, vendor_class: bytes) -> RecognisedInform | None:
    """xid and MAC of an INFORM from `vendor_class`, or None when only a decode can tell."""
    size = len(data)
    if (
        size < _OPTIONS_OFFSET
        or data[0] != _BOOTREQUEST
        or data[BOOTP_HEADER_LENGTH:_OPTIONS_OFFSET] != _MAGIC_COOKIE
    ):
        return None
    seen_type = False
    seen_class = False
    position = _OPTIONS_OFFSET
    while position < size:
        code = data[position]
        if code == PAD:
            position += 1
            continue
        if code == END:
            break
        if position + 1 >= size:
            return None
        start = position + 2
        end = start + data[position + 1]
        if end > size:
            return None
        if code == _OPTION_MESSAGE_TYPE:
            # One instance of one byte, else joining or the length check decides.
            if seen_type or end - start != 1 or data[start] != _DHCPINFORM:
                return None
            seen_type = True
        elif code == _OPTION_VENDOR_CLASS:
            if seen_class or data[start:end] != vendor_class:
                return None
            seen_class = True
        elif code in (OPTION_OVERLOAD, _OPTION_SERVER_ID):
            # Overload pulls in more options from file and sname; a server id
            # must be checked for length. Both are rare in an INFORM.
            return None
        position = end
    if not (seen_type and seen_class):
        return None
    return RecognisedInform(
        int.from_bytes(data[XID_OFFSET : XID_OFFSET + 4], "big"),
        data[CHADDR_OFFSET : CHADDR_OFFSET + MAC_LENGTH].hex(":"),
    )
