"""Who the phone is and where it sits: the inputs a boot starts from."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol


def device_id(mac: str) -> str:
    """The GUID a phone with this MAC sends as DeviceId to the CertProvisioningService.

    Derived from the MAC, so the same phone is the same device whichever way it
    boots (alone, in a fleet, replayed) and from one boot to the next, as a real
    phone's is; the "phonesim/" prefix keeps it apart from any other uuid5 of a MAC.
    """
    return "{" + str(uuid.uuid5(uuid.NAMESPACE_OID, "phonesim/" + mac)).upper() + "}"


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


@dataclass(frozen=True, slots=True)
class NetworkSettings:
    """What the phone already has from its ordinary DHCP lease before the INFORM."""

    address: str
    dns_domain: str


class RandomSource(Protocol):
    """Randomness handed to the core by its driver (random.Random fits), so a seed replays a boot."""

    def random(self) -> float: ...

    def getrandbits(self, k: int, /) -> int: ...
