"""Wireshark's reading of a capture next to phonesim's: they must agree on what both decode.

For each DHCP packet: the vendor class (option 60), option 120 (encoding,
names or addresses; Wireshark joins RFC 3396 parts) and the raw bytes of
option 43 (Wireshark leaves MS-UC-Client sub-options undecoded), joined over
its instances.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phonesim.codec.dhcp_message import decode_dhcp_message


@dataclass
class DhcpReading:
    xid: int
    vendor_class: str | None = None
    sip_encoding: int | None = None
    sip_servers: list[str] = field(default_factory=list)
    option_43: bytes | None = None


def tshark_readings(capture: Path) -> list[DhcpReading]:
    output = subprocess.run(
        ["tshark", "-r", str(capture), "-Y", "dhcp", "-T", "json", "--no-duplicate-keys"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    readings = []
    for packet in json.loads(output or "[]"):
        dhcp = packet["_source"]["layers"]["dhcp"]
        reading = DhcpReading(xid=int(_one(dhcp["dhcp.id"]), 16))
        for option_type, tree in _options(dhcp):
            if option_type == 60:
                reading.vendor_class = _one(tree["dhcp.option.vendor_class_id"])
            elif option_type == 43:
                part = bytes.fromhex(_one(tree["dhcp.option.value"]).replace(":", ""))
                reading.option_43 = (reading.option_43 or b"") + part
            elif option_type == 120 and "dhcp.option.sip_server.encoding" in tree:
                reading.sip_encoding = int(_one(tree["dhcp.option.sip_server.encoding"]))
                for key in ("dhcp.option.sip_server.name", "dhcp.option.sip_server.address"):
                    reading.sip_servers += _many(tree.get(key))
        readings.append(reading)
    return readings


def phonesim_readings(capture: Path) -> list[DhcpReading]:
    from scapy.layers.inet import UDP
    from scapy.utils import rdpcap

    readings = []
    for packet in rdpcap(str(capture)):
        if UDP not in packet or {packet[UDP].sport, packet[UDP].dport}.isdisjoint({67, 68}):
            continue
        message = decode_dhcp_message(bytes(packet[UDP].payload))
        reading = DhcpReading(xid=message.xid, vendor_class=message.vendor_class)
        sip = message.sip_server()
        if sip is not None:
            reading.sip_encoding = sip.encoding
            reading.sip_servers = list(sip.servers)
        reading.option_43 = message.options.get(43)
        readings.append(reading)
    return readings


def assert_tshark_agrees(capture: Path) -> list[DhcpReading]:
    """Both readings, packet by packet; returns them so a test can check what was compared."""
    ours = phonesim_readings(capture)
    theirs = tshark_readings(capture)
    assert ours, f"no DHCP packet in {capture}"
    assert theirs == ours
    return ours


def _options(dhcp: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    types = _many(dhcp.get("dhcp.option.type"))
    trees = dhcp.get("dhcp.option.type_tree", [])
    if isinstance(trees, dict):
        trees = [trees]
    return [(int(kind), tree) for kind, tree in zip(types, trees, strict=True)]


def _one(value: Any) -> str:
    if isinstance(value, list):
        assert len(value) == 1, value
        return str(value[0])
    return str(value)


def _many(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]
