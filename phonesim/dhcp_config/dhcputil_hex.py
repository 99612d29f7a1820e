"""DHCPUtil-style hex: the two option values as DHCPUtil prints them (protocol.md §5).

Upper-case hex with no separators, each followed by its length counted in hex
characters, which is how admins paste the values into other tools. A value
longer than one option instance (255 bytes) is also shown cut into its RFC
3396 parts, for servers that take each instance separately.
"""

from __future__ import annotations

from phonesim.codec.hex_text import dhcputil_hex
from phonesim.dhcp_config.phone_options import PhoneOptions, RenderedConfig, Site


def render(options: PhoneOptions, site: Site) -> RenderedConfig:
    lines = [
        f"Option 120: {dhcputil_hex(options.option_120)}",
        f"Length: {len(options.option_120) * 2}",
    ]
    lines += _parts(options, 120)
    lines += [
        f"Option 43: {dhcputil_hex(options.option_43)}",
        f"Length: {len(options.option_43) * 2}",
    ]
    lines += _parts(options, 43)
    if options.vlan_option_43 is not None:
        lines += [
            f"Option 43 ({options.vlan_class}): {dhcputil_hex(options.vlan_option_43)}",
            f"Length: {len(options.vlan_option_43) * 2}",
        ]
    return RenderedConfig("\n".join(lines) + "\n", tuple(options.warnings()))


def _parts(options: PhoneOptions, code: int) -> list[str]:
    parts = options.parts(code)
    if len(parts) == 1:
        return []
    return [
        f"Option {code} part {index} of {len(parts)} (RFC 3396): {dhcputil_hex(part)}"
        for index, part in enumerate(parts, start=1)
    ]
