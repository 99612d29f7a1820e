"""Cisco IOS DHCP server: `ip dhcp pool` commands.

IOS 15.1(3)S and later cut `option 43 hex` at 180 hex characters (90 bytes):
a web FQDN longer than 23 characters then loses the end of the path, and the
phone never shows the PIN screen (protocol.md §2). A longer option 43 is
therefore written as `option ext 43 hex`, with a warning to check it in
`show running-config`. IOS cannot restrict a pool's option to one vendor
class: keep the phones in a pool (VLAN) of their own. For the same reason the
VLAN answer goes in a pool of its own, the data VLAN's, where every client
gets it (PCs ignore option 43); its network is the site's to fill in.
"""

from __future__ import annotations

from phonesim.dhcp_config.phone_options import PhoneOptions, RenderedConfig, Site

POOL_NAME = "LYNC-PHONES"
VLAN_POOL_NAME = "LYNC-PHONES-VLAN-QUERY"
OPTION_HEX_LIMIT = 180
"""Hex characters `option 43 hex` keeps on IOS 15.1(3)S and later."""


def render(options: PhoneOptions, site: Site) -> RenderedConfig:
    subnet = site.subnet
    option_43 = ios_hex(options.option_43)
    long_43 = len(options.option_43) * 2 > OPTION_HEX_LIMIT
    lines = [
        f"! phonesim dhcp-config: Lync phones ({options.vendor_class}) find",
        f"!   web services {options.web_url}",
        f"!   registrar(s) {', '.join(options.sip_servers)}",
        f"ip dhcp pool {POOL_NAME}",
        f" network {subnet.network_address} {subnet.netmask}",
        f" option 120 hex {ios_hex(options.option_120)}",
        f" option {'ext 43' if long_43 else '43'} hex {option_43}",
    ]
    warnings = options.warnings() + site.warnings()
    if options.vlan_option_43 is not None:
        lines += [
            f"! The voice VLAN ({options.vlan_id}) for the phones' VLAN query ({options.vlan_class}).",
            "! IOS cannot match the vendor class: put this option 43 in the data VLAN's pool.",
            f"ip dhcp pool {VLAN_POOL_NAME}",
            " ! network <the data VLAN's subnet and mask>",
            f" option 43 hex {ios_hex(options.vlan_option_43)}",
        ]
        warnings.append(
            f"IOS cannot match vendor class {options.vlan_class}: give pool {VLAN_POOL_NAME} "
            "the data VLAN's network (every client of that pool gets its option 43)"
        )
    if site.pool is not None:
        warnings.append("--pool is not written for cisco-ios: a pool leases its whole network")
    if long_43:
        warnings.append(
            f"option 43 is {len(options.option_43) * 2} hex characters: IOS 15.1(3)S and later "
            f"cut `option 43 hex` at {OPTION_HEX_LIMIT}, so it is written as `option ext 43 "
            "hex`; check that `show running-config` shows the whole value"
        )
    return RenderedConfig("\n".join(lines) + "\n", tuple(warnings))


def ios_hex(value: bytes) -> str:
    """Hex as IOS shows it: lower case, in groups of four digits joined by dots."""
    digits = value.hex()
    return ".".join(digits[start : start + 4] for start in range(0, len(digits), 4))
