"""The phone's DHCPINFORM built once per option set and stamped for each phone.

Building an INFORM with scapy costs over half a millisecond here; a fleet of
phones sharing one profile sends the same bytes but for five fields, so the
message is built once with `build_inform` (which stays the reference) and each
phone's copy gets its own xid, flags, ciaddr, chaddr and client identifier
(option 61). The option set fixes every length, so those fields sit at the
same offsets in every copy and the result is byte for byte what `build_inform`
makes for the same arguments.

Use it where a phone's INFORM is built::

    template = inform_template(
        vendor_class=profile.dhcp.vendor_class,
        parameter_request_list=profile.dhcp.parameter_request_list,
        max_message_size=profile.dhcp.max_message_size,
    )
    wire = template.for_phone(xid, identity.mac, network.address)

`inform_template` returns the same template for the same option set (a small
cache of immutable values, so phones with one profile share it); construct
`InformTemplate` directly to keep one yourself. scapy is imported when a
template is first built, not when this module is.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from phonesim.codec.bootp_header import (
    CHADDR_OFFSET,
    CIADDR_OFFSET,
    FLAGS_OFFSET,
    MAC_LENGTH,
    XID_OFFSET,
)
from phonesim.codec.dhcp_fields import ipv4_bytes, mac_bytes, xid_bytes
from phonesim.codec.dhcp_message import (
    BROADCAST_FLAG,
    OPTION_CLIENT_ID,
    OPTIONS_OFFSET,
    build_inform,
)
from phonesim.codec.dhcp_options import END, PAD

_PLACEHOLDER_MAC = "00:00:00:00:00:00"
_FLAGS = {False: (0).to_bytes(2, "big"), True: BROADCAST_FLAG.to_bytes(2, "big")}


class InformTemplate:
    """One option set's DHCPINFORM; `for_phone` gives each phone's bytes.

    The arguments are `build_inform`'s option arguments and are checked by it,
    so a bad option set raises the same error here, once.
    """

    def __init__(
        self,
        *,
        vendor_class: str,
        parameter_request_list: Sequence[int],
        max_message_size: int | None = None,
        hostname: str | None = None,
    ) -> None:
        wire = build_inform(
            xid=0,
            mac=_PLACEHOLDER_MAC,
            ciaddr="0.0.0.0",
            vendor_class=vendor_class,
            parameter_request_list=parameter_request_list,
            max_message_size=max_message_size,
            hostname=hostname,
        )
        client_id_mac = _client_id_offset(wire) + 1  # after the hardware type byte
        # The constant runs between the fields each phone changes.
        self._before_xid = wire[:XID_OFFSET]
        self._before_flags = wire[XID_OFFSET + 4 : FLAGS_OFFSET]
        self._before_chaddr = wire[CIADDR_OFFSET + 4 : CHADDR_OFFSET]
        self._before_client_id = wire[CHADDR_OFFSET + MAC_LENGTH : client_id_mac]
        self._rest = wire[client_id_mac + MAC_LENGTH :]

    def for_phone(self, xid: int, mac: str, ciaddr: str, *, broadcast: bool = False) -> bytes:
        """This phone's INFORM: what `build_inform` returns for these values and the option set.

        Refuses a bad MAC, xid or address with `build_inform`'s errors.
        """
        hardware = mac_bytes(mac)
        transaction = xid_bytes(xid)
        address = ipv4_bytes("ciaddr", ciaddr)
        return b"".join(
            (
                self._before_xid,
                transaction,
                self._before_flags,
                _FLAGS[bool(broadcast)],
                address,
                self._before_chaddr,
                hardware,
                self._before_client_id,
                hardware,
                self._rest,
            )
        )


@lru_cache(maxsize=64)
def _shared_template(
    vendor_class: str,
    parameter_request_list: tuple[int, ...],
    max_message_size: int | None,
    hostname: str | None,
) -> InformTemplate:
    return InformTemplate(
        vendor_class=vendor_class,
        parameter_request_list=parameter_request_list,
        max_message_size=max_message_size,
        hostname=hostname,
    )


def inform_template(
    *,
    vendor_class: str,
    parameter_request_list: Sequence[int],
    max_message_size: int | None = None,
    hostname: str | None = None,
) -> InformTemplate:
    """The shared template for this option set, built on first use.

    Templates are immutable, so sharing one between phones (and threads) is safe.
    """
    return _shared_template(vendor_class, tuple(parameter_request_list), max_message_size, hostname)


def _client_id_offset(wire: bytes) -> int:
    """Where the value of option 61 starts in an INFORM that `build_inform` wrote."""
    position = OPTIONS_OFFSET
    while position < len(wire) and wire[position] != END:
        if wire[position] == PAD:
            position += 1
            continue
        if wire[position] == OPTION_CLIENT_ID:
            return position + 2
        position += 2 + wire[position + 1]
    raise AssertionError("build_inform wrote no client identifier (option 61)")
