"""Where a fleet's warm phones keep their flash: one discovery cache per phone.

Each phone's cache (with its certificate and key, 0600) lives in the state folder
in a folder named by the phone's identity (its MAC and its number): a phone
reused with another user, or another user's phone, never signs in with a
certificate that is not its own. Caches are read before the clock starts and
written after the run ends: a phone writing its flash mid-storm would put the
engine's disk writes into every other phone's latency.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from phonesim.core.discovery_cache import DiscoveryCache
from phonesim.drivers.cache_store import DiscoveryCacheStore
from phonesim.fleet.identities import FleetIdentity

FLEET_FOLDER = "fleet"
"""The fleet's phones' folder in the state folder, apart from `phonesim boot`'s phones."""


class FleetCacheStore(DiscoveryCacheStore):
    def __init__(self, state_dir: Path, identities: Iterable[FleetIdentity]) -> None:
        super().__init__(state_dir / FLEET_FOLDER)
        self._folders = {i.mac: _folder_name(i) for i in identities}
        self.pending: dict[str, DiscoveryCache | None] = {}
        """Caches the phones wrote during the run, by MAC, until `flush`."""

    def path_for(self, mac: str) -> Path:
        folder = self._folders.get(mac) or mac.lower().replace(":", "-")
        return self.state_dir / folder / "discovery-cache.json"

    def prepare(self) -> None:
        """The fleet's folder, readable by its owner only (it holds private keys)."""
        self.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.state_dir, 0o700)

    def save(self, mac: str, cache: DiscoveryCache | None) -> None:
        self.pending[mac] = cache

    def flush(self) -> int:
        """Write what the phones kept; how many caches were written."""
        pending, self.pending = self.pending, {}
        for mac, cache in pending.items():
            super().save(mac, cache)
        return len(pending)


def _folder_name(identity: FleetIdentity) -> str:
    number = "".join(c for c in identity.sign_in_as if c.isalnum() or c in "-._")
    return f"{identity.mac.lower().replace(':', '-')}_{number}"
