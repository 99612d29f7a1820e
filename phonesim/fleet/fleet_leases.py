"""The leases a fleet's phones took, kept while the fleet runs and given back when it stops.

Each phone takes its own lease from its own MAC (`fleet --stage lease`: a DORA storm, as
a building's phones send after a power cut) and keeps it, as a phone on the desk does;
when the fleet ends, every address is given back with a DHCPRELEASE (RFC 2131 §4.4.6) so
a test run does not leave a server's pool full of phones that are gone.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from phonesim.codec.dhcp_lease_messages import build_release
from phonesim.codec.lease_options import LeaseValues


class HeldLeases:
    def __init__(self) -> None:
        self._held: list[tuple[str, LeaseValues]] = []
        self.released = 0

    def keep(self, mac: str, lease: LeaseValues | None) -> None:
        if lease is not None and lease.server_id is not None:
            self._held.append((mac, lease))

    def __len__(self) -> int:
        return len(self._held)

    def release_all(self, send: Callable[[bytes], None], rng: random.Random) -> int:
        """Send a DHCPRELEASE for every lease kept; how many left."""
        held, self._held = self._held, []
        for mac, lease in held:
            assert lease.server_id is not None
            send(
                build_release(
                    xid=rng.getrandbits(32),
                    mac=mac,
                    address=lease.address,
                    server_id=lease.server_id,
                )
            )
        self.released += len(held)
        return len(held)


__all__ = ["HeldLeases"]
