"""What a lease gives the phone, read out of the OFFER or ACK: address, mask (1), router
(3), time servers (4), DNS servers (6), domain (15), NTP servers (42), lease time (51).

Each option is read on its own: one that is malformed is reported by code and the rest
are still read, as a phone that keeps an address whose option 42 is garbled does.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from phonesim.codec.dhcp_message import DhcpMessage
from phonesim.errors import MalformedOption

OPTION_SUBNET_MASK = 1
OPTION_ROUTER = 3
OPTION_TIME_SERVERS = 4
OPTION_DNS_SERVERS = 6
OPTION_DOMAIN_NAME = 15
OPTION_NTP_SERVERS = 42
OPTION_VENDOR_SPECIFIC = 43


@dataclass(frozen=True, slots=True)
class LeaseValues:
    address: str
    server_id: str | None
    mask: str | None
    routers: tuple[str, ...]
    time_servers: tuple[str, ...]
    dns_servers: tuple[str, ...]
    domain: str | None
    ntp_servers: tuple[str, ...]
    lease_time: int | None
    vendor_specific: bytes | None
    """Option 43 raw: its layout depends on the vendor class the phone sent."""
    malformed: tuple[str, ...] = ()
    """`option N: why`, one per option that could not be read."""


def read_lease(message: DhcpMessage) -> LeaseValues:
    errors: list[str] = []

    def addresses(code: int) -> tuple[str, ...]:
        value = message.options.get(code)
        if value is None:
            return ()
        if not value or len(value) % 4:
            errors.append(f"option {code}: length {len(value)}, not a multiple of 4")
            return ()
        return tuple(str(ipaddress.IPv4Address(value[i : i + 4])) for i in range(0, len(value), 4))

    mask = addresses(OPTION_SUBNET_MASK)
    domain: str | None = None
    try:
        domain = message.domain_name or None
    except MalformedOption as error:
        errors.append(f"option {OPTION_DOMAIN_NAME}: {error}")
    lease_time: int | None = None
    try:
        lease_time = message.lease_time
    except MalformedOption as error:
        errors.append(f"option 51: {error}")
    return LeaseValues(
        address=message.yiaddr,
        server_id=message.server_id,
        mask=mask[0] if len(mask) == 1 else None,
        routers=addresses(OPTION_ROUTER),
        time_servers=addresses(OPTION_TIME_SERVERS),
        dns_servers=addresses(OPTION_DNS_SERVERS),
        domain=domain.strip(".") if domain else None,
        ntp_servers=addresses(OPTION_NTP_SERVERS),
        lease_time=lease_time,
        vendor_specific=message.options.get(OPTION_VENDOR_SPECIFIC),
        malformed=tuple(errors),
    )


__all__ = ["LeaseValues", "read_lease"]
