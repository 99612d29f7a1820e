"""`phonesim dhcp-config`: options 43 and 120 for the phones, in every DHCP server's own terms.

One module per format; each renders the same PhoneOptions (the bytes
DHCPUtil would compute) into what its server reads, carrying what that
server needs to really answer a phone's DHCPINFORM.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from phonesim.dhcp_config import cisco_ios, dhcputil_hex, dnsmasq, isc_dhcpd, kea, windows_netsh
from phonesim.dhcp_config.phone_options import (
    PLACEHOLDER_SUBNET,
    PhoneOptions,
    RenderedConfig,
    Site,
    phone_options,
)

_MODULES: dict[str, ModuleType] = {
    "hex": dhcputil_hex,
    "netsh": windows_netsh,
    "dnsmasq": dnsmasq,
    "kea": kea,
    "isc-dhcpd": isc_dhcpd,
    "cisco-ios": cisco_ios,
}
FORMATS: tuple[str, ...] = tuple(_MODULES)


def renderer(format_name: str) -> Callable[[PhoneOptions, Site], RenderedConfig]:
    render: Callable[[PhoneOptions, Site], RenderedConfig] = _MODULES[format_name].render
    return render


def render(format_name: str, options: PhoneOptions, site: Site) -> RenderedConfig:
    return renderer(format_name)(options, site)


__all__ = [
    "FORMATS",
    "PLACEHOLDER_SUBNET",
    "PhoneOptions",
    "RenderedConfig",
    "Site",
    "phone_options",
    "render",
]
