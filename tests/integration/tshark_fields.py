"""Wireshark's reading of frames, field by field, to hold phonesim's codecs to.

Frames go to a pcap (Ethernet), tshark decodes it as JSON, and every value of
a named field is collected in the order tshark shows it, however deep in its
tree the field sits.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def write_pcap(path: Path, frames: Sequence[bytes]) -> Path:
    from scapy.layers.l2 import Ether
    from scapy.utils import wrpcap

    wrpcap(str(path), [Ether(frame) for frame in frames])
    return path


def tshark_packets(capture: Path, display_filter: str = "") -> list[dict[str, Any]]:
    argv = ["tshark", "-r", str(capture), "-T", "json", "--no-duplicate-keys"]
    if display_filter:
        argv += ["-Y", display_filter]
    output = subprocess.run(argv, check=True, capture_output=True, text=True, timeout=60).stdout
    return [packet["_source"]["layers"] for packet in json.loads(output or "[]")]


def field_values(tree: Any, name: str) -> list[str]:
    """Every value of field `name` anywhere in tshark's tree, in order."""
    found: list[str] = []
    if isinstance(tree, dict):
        for key, value in tree.items():
            if key == name:
                found += value if isinstance(value, list) else [value]
            else:
                found += field_values(value, name)
    elif isinstance(tree, list):
        for item in tree:
            found += field_values(item, name)
    return found
