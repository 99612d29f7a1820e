"""The servers a use case sends its phone to: the embedded lab's, or ones given as text."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from phonesim.drivers.network import Network
from phonesim.errors import UsageError

if TYPE_CHECKING:
    from phonesim.lab.layout import LabEndpoints


def lab_network(endpoints: LabEndpoints) -> Network:
    """The phone's view of a running embedded lab."""
    return Network(
        dhcp_server=(endpoints.address, endpoints.dhcp_port),
        dns_server=(endpoints.address, endpoints.dns_port),
        address=endpoints.address,
        domain=endpoints.domain,
        port_map=dict(endpoints.port_map),
        domain_source="lab",
        dns_source="lab",
    )


def host_port(text: str, default_port: int) -> tuple[str, int]:
    """`192.0.2.5`, `192.0.2.5:6767` or `[::1]:53` into (host, port)."""
    host, port = text, default_port
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest.startswith(":"):
            port = _port(rest[1:], text)
    elif text.count(":") == 1:
        host, raw = text.split(":")
        port = _port(raw, text)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise UsageError(f"{text!r} is not an IP address (optionally with :port)") from None
    return host, port


def _port(raw: str, text: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise UsageError(f"bad port in {text!r}")
    return int(raw)
