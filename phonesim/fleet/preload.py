"""What the phones, and the fleet's lab, use: loaded before a fleet's clock starts.

scapy, zeep, lxml and the rest are imported lazily, so that `phonesim --help`
answers at once. A fleet must not pay for them inside its run: the first
phone's power-on would take a few hundred milliseconds, stall the arrival
schedule (the next phones then power on in one burst) and show as latency.
The same holds for the lab the fleet starts: its first DNS and time answers
loaded dnspython's SRV support and scapy's NTP layer, and the first phone's
DNS and time steps took 13-14 ms against 1.5-2 ms for the next ones.
"""

from __future__ import annotations

import importlib

from phonesim.core.stage import Stage


def load_phone_libraries(final_stage: str) -> None:
    """Import what a phone stopping after `final_stage` will use."""

    from phonesim.codec.dhcp_message import load_packet_library

    load_packet_library()
    release_vendor_table()
    if final_stage == Stage.DHCP:
        return
    for module in ("dns.rdtypes.IN.SRV", "dns.rdtypes.IN.A"):  # dnspython loads these lazily
        importlib.import_module(module)
    if final_stage == Stage.DISCOVERY:
        return
    importlib.import_module("scapy.layers.ntp")  # the time query's codec loads it lazily
    if final_stage == Stage.TIME:
        return
    for module in (
        "cryptography.hazmat.primitives.serialization.pkcs7",  # the root chain's reader, lazily
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
        "zeep.wsdl.bindings",  # zeep loads these when it reads the first WSDL
        "zeep.wsdl.messages",
        "zeep.helpers",
        "zeep.wsa",
    ):
        importlib.import_module(module)


def release_vendor_table() -> None:
    """Replace scapy's MAC vendor table, read whole at import, with an empty one.

    scapy.data loads Wireshark's manuf file (52,417 vendors) when imported: 10.7 MiB of
    a fleet's baseline, kept for scapy to print a MAC's vendor beside it (`conf.manufdb`,
    read only when a packet or field is shown, or when a field is in `conf.resolve`). A
    fleet's phones build and parse packets and never show them, so the fleet drops the
    table; an empty one keeps those calls working, showing the bare address. Only the
    fleet does this: `replay` and the capture readers keep the names.
    """
    import scapy.data

    scapy.data.MANUFDB = scapy.data.ManufDA(_name=scapy.data.MANUFDB._name)


def load_lab_libraries() -> None:
    """Import what the lab's servers load on their first request."""
    for module in (
        "dns.rdtypes.IN.SRV",
        "dns.rdtypes.IN.A",
        "dns.rdtypes.util",
        "scapy.layers.ntp",
    ):
        importlib.import_module(module)
