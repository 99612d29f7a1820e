"""dnsmasq: a config file fragment (`conf-file=` or /etc/dnsmasq.d/).

What dnsmasq 2.90 needs to really answer the phone (protocol.md §11):
- a `dhcp-range` covering the phones' subnet, or it ignores their INFORM;
  `static` hands out no addresses, so it can sit beside another DHCP server;
- option 43 as `vendor:MS-UC-Client` sub-options, so it goes only to that
  class; dnsmasq sends them in reverse order with an end code, which the phone
  reads by code, and splits a long option 43 itself (RFC 3396);
- the port quoted: a bare 443 would go out as the integer 01 bb;
- option 120 as hex: given names, dnsmasq compresses the second one, and the
  DHCPUtil form is what the deployed phones were tested with;
- the VLAN answer as `vendor:CPE-OCPHONE` sub-option 10, quoted: an unquoted
  150 goes out as the one-byte integer `0a 01 96`, not the digits `0a 03 31 35 30`;
- with a pool, a dynamic `dhcp-range` instead of the static one: the VLAN query
  and the lease are DISCOVERs, which dnsmasq answers only from a range.
"""

from __future__ import annotations

from phonesim.codec.dhcp_options import MAX_INSTANCE_LENGTH
from phonesim.dhcp_config.phone_options import (
    PhoneOptions,
    RenderedConfig,
    Site,
    SubOption,
    colon_hex,
)

_UNQUOTABLE = frozenset('"\\')


def render(options: PhoneOptions, site: Site) -> RenderedConfig:
    lines = [
        f"# phonesim dhcp-config: Lync phones ({options.vendor_class}) find",
        f"#   web services {options.web_url}",
        f"#   registrar(s) {', '.join(options.sip_servers)}",
        *_range_lines(site),
        "# Option 120, SIP servers (RFC 3361), exactly as DHCPUtil writes it.",
        f"dhcp-option=120,{colon_hex(options.option_120)}",
        f"# Option 43 for vendor class {options.vendor_class}; the port is quoted so it",
        "# goes as the text the phone reads, not as a 2-byte integer.",
    ]
    lines += [_vendor_line(options.vendor_class, sub) for sub in options.sub_options]
    if options.vlan_id is not None:
        lines += [
            f"# The voice VLAN for the phones' VLAN query (vendor class {options.vlan_class},",
            "# matched case-sensitively): sub-option 10 as digits, quoted, since an unquoted",
            f"# {options.vlan_id} would go out as a binary integer.",
            f'dhcp-option=vendor:{options.vlan_class},10,"{options.vlan_text}"',
        ]
    warnings = options.warnings() + site.warnings()
    if len(options.option_43) > MAX_INSTANCE_LENGTH:
        warnings.append(
            f"option 43 is {len(options.option_43)} bytes: dnsmasq splits it (RFC 3396) but "
            "leaves out sub-options that do not fit a phone's reply (576 bytes unless it "
            "sends option 57)"
        )
    return RenderedConfig("\n".join(lines) + "\n", tuple(warnings))


def _range_lines(site: Site) -> list[str]:
    subnet = site.subnet
    if site.pool is not None:
        first, last = site.pool
        return [
            "# Addresses leased to the phones (DISCOVER: the VLAN query and the lease).",
            f"dhcp-range={first},{last},{subnet.netmask},1h",
        ]
    return [
        "# dnsmasq answers a DHCPINFORM only from a subnet with a dhcp-range; 'static'",
        "# leases nothing (leave this line out if a range for the subnet exists already).",
        f"dhcp-range={subnet.network_address},static,{subnet.netmask}",
    ]


def _vendor_line(vendor_class: str, sub: SubOption) -> str:
    text = sub.text
    if text.isprintable() and not (_UNQUOTABLE & set(text)):
        value = f'"{text}"'
    else:
        value = colon_hex(sub.value)
    return f"dhcp-option=vendor:{vendor_class},{sub.code},{value}"
