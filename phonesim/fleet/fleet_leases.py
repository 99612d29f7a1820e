"""The leases a fleet's phones took, kept while the fleet runs and given back when it stops.

Each phone takes its own lease from its own MAC (`fleet --stage lease`: a DORA storm, as
a building's phones send after a power cut) and keeps it, as a phone on the desk does;
when the fleet ends, every address is given back with a DHCPRELEASE (RFC 2131 §4.4.6) so
a test run does not leave a server's pool full of phones that are gone.

A lease is the client's, not the boot's: a MAC that leased again (a phone powered on
twice, a benchmark cycling over a set of MACs) holds one lease, its latest, and gives it
back once.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from phonesim.codec.dhcp_lease_messages import build_release
from phonesim.codec.lease_options import LeaseValues


class HeldLeases:
    def __init__(self) -> None:
        self._held: dict[str, LeaseValues] = {}
        self.taken = 0
        """Leases the phones took (a MAC that leased twice counts twice)."""
        self.released = 0
        self.not_sent = 0
        """RELEASEs the link refused (a full send queue, the interface gone)."""

    def keep(self, mac: str, lease: LeaseValues | None) -> None:
        if lease is not None and lease.server_id is not None:
            self._held[mac] = lease
            self.taken += 1

    def __len__(self) -> int:
        return len(self._held)

    def release_all(self, send: Callable[[bytes], None], rng: random.Random) -> int:
        """Send a DHCPRELEASE for every lease kept; how many were sent.

        Called while the fleet closes, also after a failure: a RELEASE the link refuses
        is counted, not raised, so the others still go and the report still comes.
        """
        held, self._held = self._held, {}
        sent = 0
        for mac, lease in held.items():
            assert lease.server_id is not None
            release = build_release(
                xid=rng.getrandbits(32), mac=mac, address=lease.address, server_id=lease.server_id
            )
            try:
                send(release)
            except OSError:
                self.not_sent += 1
                continue
            sent += 1
        self.released += sent
        return sent

    def summary(self) -> dict[str, Any]:
        """The report's lease figures: taken, given back, still held, refused by the link."""
        return {
            "taken": self.taken,
            "released": self.released,
            "held": len(self._held),
            "release_not_sent": self.not_sent,
        }


__all__ = ["HeldLeases"]
