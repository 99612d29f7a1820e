"""A scenario's bring-up tables read and refused by name: `[enterprise_dhcp]` (the site's
own DHCP server) and `[lldp]` (what the switch says)."""

from __future__ import annotations

from typing import Any

from phonesim.lab.enterprise_dhcp import LEASE_OPTIONS, EnterpriseDhcpSpec
from phonesim.lab.lldp_switch import LldpSpec
from phonesim.lab.toml_fields import FieldPath, LabFile

_ENTERPRISE_KEYS = (
    "vlan",
    "vlan_as_integer",
    "vlan_vendor_class",
    "lease_vlans",
    "pool_dhcp_vlans",
    "omit_options",
    "lease_seconds",
)
_LLDP_KEYS = ("vlan", "tagged", "application", "priority", "dscp", "delay_seconds")
_APPLICATIONS = (
    "voice",
    "voice-signaling",
    "guest-voice",
    "guest-voice-signaling",
    "softphone-voice",
    "video-conferencing",
    "streaming-video",
    "video-signaling",
)


def read_enterprise_dhcp(file: LabFile, value: Any) -> EnterpriseDhcpSpec | None:
    if value is None:
        return None
    at: FieldPath = ("enterprise_dhcp",)
    table = file.table(at, value)
    file.check_keys(at, table, _ENTERPRISE_KEYS)
    vlan_value = table.get("vlan", 150)
    vlan = None if vlan_value is False else _integer(file, (*at, "vlan"), vlan_value, 1, 4094)
    omit = tuple(_integers(file, (*at, "omit_options"), table.get("omit_options"), 1, 254))
    for index, code in enumerate(omit):
        if code not in LEASE_OPTIONS:
            raise file.error(
                (*at, "omit_options", index), f"{code} is not one of {list(LEASE_OPTIONS)}"
            )
    vendor = table.get("vlan_vendor_class", EnterpriseDhcpSpec.vlan_vendor_class)
    if not isinstance(vendor, str) or not vendor:
        raise file.error((*at, "vlan_vendor_class"), "must be a non-empty string")
    return EnterpriseDhcpSpec(
        vlan=vlan,
        vlan_as_integer=_flag(file, (*at, "vlan_as_integer"), table.get("vlan_as_integer")),
        vlan_vendor_class=vendor,
        lease_vlans=_vlans(file, (*at, "lease_vlans"), table.get("lease_vlans")),
        pool_dhcp_vlans=_vlans(file, (*at, "pool_dhcp_vlans"), table.get("pool_dhcp_vlans")),
        omit=omit,
        lease_seconds=_integer(
            file, (*at, "lease_seconds"), table.get("lease_seconds", 3600), 60, 2**31
        ),
    )


def read_lldp(file: LabFile, value: Any) -> LldpSpec | None:
    if value is None:
        return None
    at: FieldPath = ("lldp",)
    table = file.table(at, value)
    file.check_keys(at, table, _LLDP_KEYS)
    application = table.get("application", "voice")
    if application not in _APPLICATIONS:
        raise file.error((*at, "application"), f"must be one of {list(_APPLICATIONS)}")
    delay = table.get("delay_seconds", 1.0)
    if isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0:
        raise file.error((*at, "delay_seconds"), "must be a number of seconds, not negative")
    tagged = table.get("tagged", True)
    return LldpSpec(
        vlan=_integer(file, (*at, "vlan"), table.get("vlan", 150), 0, 4095),
        tagged=_flag(file, (*at, "tagged"), tagged),
        application=application,
        priority=_integer(file, (*at, "priority"), table.get("priority", 5), 0, 7),
        dscp=_integer(file, (*at, "dscp"), table.get("dscp", 46), 0, 63),
        delay=float(delay),
    )


def _flag(file: LabFile, at: FieldPath, value: Any) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise file.error(at, "must be true or false")
    return value


def _integer(file: LabFile, at: FieldPath, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise file.error(at, f"must be a whole number from {low} to {high}")
    return value


def _integers(file: LabFile, at: FieldPath, value: Any, low: int, high: int) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise file.error(at, "must be a list")
    return [_integer(file, (*at, i), item, low, high) for i, item in enumerate(value)]


def _vlans(file: LabFile, at: FieldPath, value: Any) -> tuple[int, ...] | None:
    """A list of VLANs (0: untagged); absent: the default."""
    return None if value is None else tuple(_integers(file, at, value, 0, 4094))


__all__ = ["read_enterprise_dhcp", "read_lldp"]
