"""What the phones use, loaded before a fleet's clock starts.

scapy, zeep, lxml and the rest are imported lazily, so that `phonesim --help`
answers at once. A fleet must not pay for them inside its run: the first
phone's power-on would take a few hundred milliseconds, stall the arrival
schedule (the next phones then power on in one burst) and show as latency.
"""

from __future__ import annotations

import importlib


def load_phone_libraries(final_stage: str) -> None:
    """Import what a phone stopping after `final_stage` will use."""

    from phonesim.codec.dhcp_message import load_packet_library

    load_packet_library()
    if final_stage == "dhcp":
        return
    for module in ("dns.rdtypes.IN.SRV", "dns.rdtypes.IN.A"):  # dnspython loads these lazily
        importlib.import_module(module)
    if final_stage == "discovery":
        return
    for module in (
        "lxml.etree",
        "httpx_aiohttp",
        "phonesim.drivers.web_services",
        "phonesim.codec.ocauthws.pin_credentials",
        "phonesim.codec.ocauthws.security",
        "zeep",
        "zeep.exceptions",
        "zeep.proxy",
        "zeep.transports",
        "zeep.wsdl",
    ):
        importlib.import_module(module)
