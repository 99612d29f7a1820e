"""The stages of a boot, named once.

A stage names the part of the phone a trace event comes from (the device log's
"thread", the timeline's column) and, for the stages a boot can be asked to stop
after, a step of the boot. The values are the spellings every output already
uses, so a `Stage` compares equal to the text in a trace or a run folder.
"""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    BOOT = "boot"
    LLDP = "lldp"
    VLAN = "vlan"
    LEASE = "lease"
    DHCP = "dhcp"
    DNS = "dns"
    DISCOVERY = "discovery"
    TIME = "time"
    ROOTCHAIN = "rootchain"
    WEBTICKET = "webticket"
    CERTPROV = "certprov"
    REGISTRAR = "registrar"
    TLSDSK = "tlsdsk"
    PROVISIONING = "provisioning"
    HELD = "held"


__all__ = ["Stage"]
