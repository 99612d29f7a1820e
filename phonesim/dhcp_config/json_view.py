"""`dhcp-config --json`: the values and the configuration text, for scripts.

The decoded fields are read back from the encoded bytes by the same codecs the
phone uses, not copied from the arguments: a script that checks them checks
what the server will send. The shape is documented in the README and kept
stable: keys are only ever added.
"""

from __future__ import annotations

from typing import Any

from phonesim.codec.cpe_ocphone_option import decode_cpe_ocphone_option
from phonesim.codec.ms_uc_client_option import UcClientVendorOption, decode_ms_uc_client_option
from phonesim.codec.sip_server_option import SipServerOption, decode_sip_server_option
from phonesim.dhcp_config.phone_options import PhoneOptions, RenderedConfig


def json_view(format_name: str, options: PhoneOptions, rendered: RenderedConfig) -> dict[str, Any]:
    sip = decode_sip_server_option(options.option_120)
    vendor = decode_ms_uc_client_option(options.option_43)
    return {
        "format": format_name,
        "options": [*_sip_and_web(options, sip, vendor), *_vlan(options)],
        "text": rendered.text,
        "warnings": list(rendered.warnings),
    }


def _vlan(options: PhoneOptions) -> list[dict[str, Any]]:
    value = options.vlan_option_43
    if value is None:
        return []
    vlan = decode_cpe_ocphone_option(value)
    return [
        {
            "code": 43,
            "name": "vendor specific",
            "vendor_class": options.vlan_class,
            "hex": value.hex(),
            "length": len(value),
            "parts": [value.hex()],
            "decoded": {"vlan_id": vlan.vlan_id},
            "sub_options": [
                {"code": 10, "name": "VLANID", "text": options.vlan_text, "hex": value[2:].hex()}
            ],
        }
    ]


def _sip_and_web(
    options: PhoneOptions, sip: SipServerOption, vendor: UcClientVendorOption
) -> list[dict[str, Any]]:
    return [
        {
            "code": 120,
            "name": "SIP servers",
            "hex": options.option_120.hex(),
            "length": len(options.option_120),
            "parts": [part.hex() for part in options.parts(120)],
            "decoded": {"encoding": sip.encoding, "servers": list(sip.servers)},
        },
        {
            "code": 43,
            "name": "vendor specific",
            "vendor_class": options.vendor_class,
            "hex": options.option_43.hex(),
            "length": len(options.option_43),
            "parts": [part.hex() for part in options.parts(43)],
            "decoded": {
                "url": vendor.url,
                "identifier": vendor.identifier,
                "url_scheme": vendor.url_scheme,
                "web_server_fqdn": vendor.web_server_fqdn,
                "web_server_port": vendor.web_server_port,
                "cert_prov_path": vendor.cert_prov_path,
            },
            "sub_options": [
                {"code": sub.code, "name": sub.name, "text": sub.text, "hex": sub.value.hex()}
                for sub in options.sub_options
            ],
        },
    ]
