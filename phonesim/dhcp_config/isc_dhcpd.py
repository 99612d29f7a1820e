"""ISC dhcpd: a `dhcpd.conf` fragment.

What dhcpd 4.4 needs to really answer the phone (protocol.md §11):
- `authoritative;` on the phones' subnet: otherwise it stays silent on INFORM;
- option 120 declared (`code 120 = string`) and set to DHCPUtil's bytes;
- option 43 only for the class matching vendor class `MS-UC-Client`, and the
  VLAN answer (sub-option 10 as digits) only for `CPE-OCPHONE` (matched
  case-sensitively); with a pool, a `range` to lease from.
A long option 43 arrives whole only at phones that send option 57 (dhcpd then
splits it at byte 255, RFC 3396). Replies to the others stay within 576 bytes
and lose what does not fit: option 43 itself, or option 120 placed after it
(measured with dhcpd 4.4.3: a 331-byte option 43 was left out, a 284-byte one
was sent and option 120 left out).
"""

from __future__ import annotations

from phonesim.codec.dhcp_options import MAX_INSTANCE_LENGTH
from phonesim.codec.sip_server_option import CONFIG_NAME
from phonesim.dhcp_config.phone_options import PhoneOptions, RenderedConfig, Site, colon_hex

SIP_SERVER_OPTION = CONFIG_NAME


def render(options: PhoneOptions, site: Site) -> RenderedConfig:
    subnet = site.subnet
    lines = [
        f"# phonesim dhcp-config: Lync phones ({options.vendor_class}) find",
        f"#   web services {options.web_url}",
        f"#   registrar(s) {', '.join(options.sip_servers)}",
        "# Option 120, SIP servers (RFC 3361), exactly as DHCPUtil writes it.",
        f"option {SIP_SERVER_OPTION} code 120 = string;",
        f"option {SIP_SERVER_OPTION} {colon_hex(options.option_120)};",
        "",
        f'class "{options.vendor_class}" {{',
        f'  match if option vendor-class-identifier = "{options.vendor_class}";',
        f"  option vendor-encapsulated-options {colon_hex(options.option_43)};",
        "}",
        "",
    ]
    if options.vlan_option_43 is not None:
        lines += [
            "# The voice VLAN for the phones' VLAN query: sub-option 10 as digits.",
            f'class "{options.vlan_class}" {{',
            f'  match if option vendor-class-identifier = "{options.vlan_class}";',
            f"  option vendor-encapsulated-options {colon_hex(options.vlan_option_43)};",
            "}",
            "",
        ]
    lines += [
        f"subnet {subnet.network_address} netmask {subnet.netmask} {{",
        "  # dhcpd answers a DHCPINFORM only on a subnet it is authoritative for.",
        "  authoritative;",
    ]
    if site.pool is not None:
        lines.append(f"  range {site.pool[0]} {site.pool[1]};")
    lines.append("}")
    warnings = options.warnings() + site.warnings()
    if len(options.option_43) > MAX_INSTANCE_LENGTH:
        warnings.append(
            f"option 43 is {len(options.option_43)} bytes: ISC dhcpd sends it whole (split at "
            "byte 255, RFC 3396) only to phones that send option 57; replies to the others "
            "stay within 576 bytes and lose option 43 or option 120"
        )
    return RenderedConfig("\n".join(lines) + "\n", tuple(warnings))
