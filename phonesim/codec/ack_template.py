"""A server's DHCPACK built once and stamped for each INFORM it answers.

A server's answer to an INFORM depends on the request only through five
header fields: xid, flags, ciaddr, giaddr and chaddr (RFC 2131 table 3). So
`build_ack` (the reference, on scapy) runs once per server and option set, and
each reply is that message with the request's five fields copied in — byte
for byte what `build_ack` returns for the same request.

    ack = AckTemplate(server_id="10.0.0.5", options=[(120, sip), (43, uc)])
    reply = ack.for_request(decode_dhcp_message(inform))   # from a decoded request
    reply = ack.for_request_wire(inform)                    # straight from its bytes

scapy is imported when a template is built, not when this module is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from phonesim.codec.bootp_header import (
    CHADDR_OFFSET,
    FLAGS_OFFSET,
    GIADDR_OFFSET,
    MAC_LENGTH,
    XID_OFFSET,
)
from phonesim.codec.dhcp_fields import ipv4_bytes, mac_bytes
from phonesim.codec.dhcp_message import DhcpMessage, build_ack
from phonesim.codec.dhcp_options import JoinedOptions

_PLACEHOLDER_REQUEST = DhcpMessage(
    op=1,
    xid=0,
    flags=0,
    ciaddr="0.0.0.0",
    yiaddr="0.0.0.0",
    siaddr="0.0.0.0",
    giaddr="0.0.0.0",
    chaddr="00:00:00:00:00:00",
    options=JoinedOptions(values={}, parts={}, order=()),
)
_CIADDR_END = FLAGS_OFFSET + 6  # flags (2 bytes) and ciaddr (4) are adjacent
_CHADDR_END = CHADDR_OFFSET + MAC_LENGTH  # giaddr (4) and the MAC (6) are adjacent


class AckTemplate:
    """One server's DHCPACK with `options`; the arguments are `build_ack`'s and checked by it."""

    def __init__(
        self,
        *,
        server_id: str,
        options: Sequence[tuple[int, bytes]],
        overload_into: Literal[None, "file", "sname", "both"] = None,
    ) -> None:
        wire = build_ack(
            request=_PLACEHOLDER_REQUEST,
            server_id=server_id,
            options=options,
            overload_into=overload_into,
        )
        self._before_xid = wire[:XID_OFFSET]
        self._before_flags = wire[XID_OFFSET + 4 : FLAGS_OFFSET]
        self._before_giaddr = wire[_CIADDR_END:GIADDR_OFFSET]
        self._rest = wire[_CHADDR_END:]

    def for_request(self, request: DhcpMessage) -> bytes:
        """What `build_ack` returns for this request (as `decode_dhcp_message` gave it)."""
        return b"".join(
            (
                self._before_xid,
                request.xid.to_bytes(4, "big"),
                self._before_flags,
                request.flags.to_bytes(2, "big"),
                ipv4_bytes("ciaddr", request.ciaddr),
                self._before_giaddr,
                ipv4_bytes("giaddr", request.giaddr),
                mac_bytes(request.chaddr),
                self._rest,
            )
        )

    def for_request_wire(self, request: bytes) -> bytes:
        """The same reply, with the five fields copied from the request's own bytes.

        `request` must be a message `decode_dhcp_message` accepts (at least its
        240 bytes of header and cookie): decoding would read these very bytes.
        """
        return b"".join(
            (
                self._before_xid,
                request[XID_OFFSET : XID_OFFSET + 4],
                self._before_flags,
                request[FLAGS_OFFSET:_CIADDR_END],
                self._before_giaddr,
                request[GIADDR_OFFSET:_CHADDR_END],
                self._rest,
            )
        )
