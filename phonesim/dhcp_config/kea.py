"""Kea DHCPv4: a whole `kea-dhcp4` configuration, JSON, to merge into the site's own.

What Kea 2.2 needs to really answer the phone (protocol.md §11):
- a definition for option 120, which Kea does not know: binary, carrying
  DHCPUtil's bytes;
- option 43 inside a client class that tests option 60 for exactly
  `MS-UC-Client`, with the class's own binary definition of option 43 (Kea
  allows per-class definitions for option 43 only); Kea splits it when long;
- a subnet for the phones' addresses, or the INFORM finds no configuration
  (with a pool, the addresses it leases);
- the VLAN answer in a class of its own testing option 60 for exactly
  `CPE-OCPHONE` (case-sensitive), its option 43 sub-option 10 as digits.
Kea sends 43 and 120 only to clients that ask for them in option 55, as the
phones do.
"""

from __future__ import annotations

import json
from typing import Any

from phonesim.codec.hex_text import dhcputil_hex
from phonesim.codec.sip_server_option import CONFIG_NAME
from phonesim.dhcp_config.phone_options import PhoneOptions, RenderedConfig, Site

SIP_SERVER_OPTION = CONFIG_NAME
VENDOR_OPTION = "vendor-encapsulated-options"


def configuration(options: PhoneOptions, site: Site) -> dict[str, Any]:
    classes = [_vendor_class(options.vendor_class, options.option_43)]
    if options.vlan_option_43 is not None:
        classes.append(_vendor_class(options.vlan_class, options.vlan_option_43))
    subnet: dict[str, Any] = {"id": 1, "subnet": str(site.subnet)}
    if site.pool is not None:
        subnet["pools"] = [{"pool": f"{site.pool[0]} - {site.pool[1]}"}]
    return {
        "Dhcp4": {
            "interfaces-config": {"interfaces": [site.interface or "*"]},
            "option-def": [
                {"name": SIP_SERVER_OPTION, "code": 120, "type": "binary", "space": "dhcp4"}
            ],
            "option-data": [{"name": SIP_SERVER_OPTION, "data": dhcputil_hex(options.option_120)}],
            "client-classes": classes,
            "subnet4": [subnet],
        }
    }


def _vendor_class(name: str, option_43: bytes) -> dict[str, Any]:
    return {
        "name": name,
        "test": f"option[60].text == '{name}'",
        "option-def": [{"name": VENDOR_OPTION, "code": 43, "type": "binary"}],
        "option-data": [{"name": VENDOR_OPTION, "data": dhcputil_hex(option_43)}],
    }


def render(options: PhoneOptions, site: Site) -> RenderedConfig:
    warnings = options.warnings() + site.warnings()
    text = json.dumps(configuration(options, site), indent=2) + "\n"
    return RenderedConfig(text, tuple(warnings))
