"""Windows DHCP Server: the `netsh` commands DHCPConfigScript.bat runs (the seed, verbatim).

Option 120 becomes a server-wide Binary option; option 43 is built by the
server from five Binary sub-options of the vendor class MSUCClient, whose
class data is the text `MS-UC-Client`. Values are DHCPUtil's upper-case hex.
The VLAN answer is sub-option 10 of a vendor class whose data is
`CPE-OCPHONE`, a String option: the server sends its digits (`0a 03 31 35 30`).
"""

from __future__ import annotations

from phonesim.codec.dhcp_options import MAX_INSTANCE_LENGTH
from phonesim.codec.hex_text import dhcputil_hex
from phonesim.dhcp_config.phone_options import PhoneOptions, RenderedConfig, Site

CLASS_NAME = "MSUCClient"
VLAN_CLASS_NAME = "CPEOCPHONE"


def render(options: PhoneOptions, site: Site) -> RenderedConfig:
    lines = [
        'netsh dhcp server add optiondef 120 UCSipServer Binary 0 comment="Sip Server FQDN"',
        f"netsh dhcp server set optionvalue 120 Binary {dhcputil_hex(options.option_120)}",
        f'netsh dhcp server add class {CLASS_NAME} "UC Vendor Class Id" "{options.vendor_class}" 1',
    ]
    for sub in options.sub_options:
        lines.append(
            f"netsh dhcp server add optiondef {sub.code} {sub.name} Binary 0 "
            f'Vendor={CLASS_NAME} comment="{sub.comment}"'
        )
        lines.append(
            f"netsh dhcp server set optionvalue {sub.code} Binary vendor={CLASS_NAME} "
            f"{dhcputil_hex(sub.value)}"
        )
    if options.vlan_id is not None:
        lines += [
            f"netsh dhcp server add class {VLAN_CLASS_NAME} "
            f'"Phone VLAN Query" "{options.vlan_class}" 1',
            f"netsh dhcp server add optiondef 10 VLANID String 0 "
            f'Vendor={VLAN_CLASS_NAME} comment="VLAN ID"',
            f"netsh dhcp server set optionvalue 10 String vendor={VLAN_CLASS_NAME} "
            f'"{options.vlan_text}"',
        ]
    warnings = options.warnings()
    if site.pool is not None:
        warnings.append("--pool is not written for netsh: lease from the scope the site has")
    if len(options.option_43) > MAX_INSTANCE_LENGTH:
        warnings.append(
            f"option 43 is {len(options.option_43)} bytes, more than one option holds (255): "
            "whether Windows DHCP Server splits it (RFC 3396) is not documented; check with "
            "`phonesim boot` against the server"
        )
    return RenderedConfig("\n".join(lines) + "\n", tuple(warnings))
