"""Who the phone is and where it sits: the inputs a boot starts from."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Protocol

from phonesim.core.profile import DeviceProfile
from phonesim.errors import UsageError


def device_id(mac: str) -> str:
    """The GUID a phone with this MAC sends as DeviceId to the CertProvisioningService.

    Derived from the MAC, so the same phone is the same device whichever way it
    boots (alone, in a fleet, replayed) and from one boot to the next, as a real
    phone's is; the "phonesim/" prefix keeps it apart from any other uuid5 of a MAC.
    """
    return "{" + str(uuid.uuid5(uuid.NAMESPACE_OID, "phonesim/" + mac)).upper() + "}"


def endpoint_id(mac: str) -> str:
    """The `epid` a phone with this MAC writes on its SIP From header (MS-SIPRE).

    Ten hex digits, as Lync clients write it; derived from the MAC, so the
    registrar sees one endpoint per phone from one boot to the next, and its
    `+sip.instance` (worked out from the epid) stays the same too.
    """
    return hashlib.sha1(f"phonesim/epid/{mac}".encode()).hexdigest()[:10]


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


class Pin:
    """A PIN that never prints itself, so it cannot leak into a log, trace or report."""

    __slots__ = ("_digits",)

    def __init__(self, digits: str) -> None:
        self._digits = digits

    def reveal(self) -> str:
        """The digits, for the one place that must send them: the Web Ticket request."""
        return self._digits

    def __repr__(self) -> str:
        return "Pin(****)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pin) and other._digits == self._digits

    def __hash__(self) -> int:
        return hash(("Pin", self._digits))


@dataclass(frozen=True, slots=True)
class PhoneIdentity:
    mac: str
    """Lower-case colon form, e.g. 00:04:f2:12:34:56."""
    sign_in_as: str
    """What the user types on the keypad: extension or phone number."""
    pin: Pin

    @property
    def device_id(self) -> str:
        """The GUID the phone sends as DeviceId to the CertProvisioningService.

        Worked out when asked, not stored: only the certificate request sends it, and a
        fleet's DHCP-only phones never get that far (a uuid5 costs more than the rest of
        such a phone's power-on).
        """
        return device_id(self.mac)

    @property
    def epid(self) -> str:
        return endpoint_id(self.mac)


@dataclass(frozen=True, slots=True)
class NetworkSettings:
    """What the phone already has from its ordinary DHCP lease before the INFORM."""

    address: str
    dns_domain: str
    domain_source: str = "user"
    """Who gave `dns_domain`: `user` (`--domain`), `laptop` (its resolv.conf), `lease`,
    `inform-ack`; a value from a lease or the INFORM's ACK comes before the laptop's."""
    dns_servers: tuple[str, ...] = ()
    dns_source: str = "user"
    """Who gave `dns_servers` (the driver's resolver), in the same words."""


NO_NETWORK = NetworkSettings(
    address="0.0.0.0", dns_domain="", domain_source="", dns_servers=(), dns_source=""
)
"""A phone at power-on that takes its own lease: its address and names come from it."""


class RandomSource(Protocol):
    """Randomness handed to the core by its driver (random.Random fits), so a seed replays a boot."""

    def random(self) -> float: ...

    def getrandbits(self, k: int, /) -> int: ...
