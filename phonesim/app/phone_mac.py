"""Which MAC a phone has: one given, the interface's, or a stable one made from the profile."""

from __future__ import annotations

import hashlib

from phonesim.core.profile import DeviceProfile
from phonesim.errors import UsageError


def default_mac(profile: DeviceProfile, sign_in_as: str) -> str:
    """A stable MAC in the vendor's OUI, so the same user's phone finds its cache again."""
    tail = hashlib.sha256(f"{profile.name}/{sign_in_as}".encode()).digest()[:3]
    return profile.device.mac_oui + ":" + ":".join(f"{b:02x}" for b in tail)


def normalise_mac(text: str) -> str:
    """A phone's MAC in lower-case colon form; group addresses are no device's own.

    The lowest bit of the first byte marks a multicast (group) address, and
    ff:ff:ff:ff:ff:ff is the broadcast one: a DHCP server would answer such a
    chaddr to every device on the segment, or not at all.
    """
    digits = text.lower().replace("-", "").replace(":", "").replace(".", "")
    if len(digits) != 12 or any(c not in "0123456789abcdef" for c in digits):
        raise UsageError(f"MAC address {text!r} is not 12 hex digits (e.g. 00:04:f2:12:34:56)")
    mac = ":".join(digits[i : i + 2] for i in range(0, 12, 2))
    if mac == "ff:ff:ff:ff:ff:ff":
        raise UsageError(f"MAC address {text!r} is the broadcast address, not a phone's")
    if int(digits[:2], 16) & 1:
        raise UsageError(
            f"MAC address {text!r} is a multicast address (its first byte is odd), not a phone's"
        )
    return mac
