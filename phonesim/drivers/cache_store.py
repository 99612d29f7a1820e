"""The phone's flash: one discovery cache per phone (by MAC) in a state folder."""

from __future__ import annotations

import json
import os
from pathlib import Path

from phonesim.core.discovery_cache import DiscoveryCache
from phonesim.errors import UsageError


class DiscoveryCacheStore:
    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir

    def path_for(self, mac: str) -> Path:
        return self.state_dir / mac.lower().replace(":", "-") / "discovery-cache.json"

    def check_writable(self, mac: str) -> None:
        """Refuse a folder the cache could not be written to, before the boot rather than
        after it (the phone writes its cache once it has signed in). Creates nothing."""
        folder = self.path_for(mac).parent
        existing = folder
        try:
            while not existing.exists() and existing != existing.parent:
                existing = existing.parent
            writable = existing.is_dir() and os.access(existing, os.W_OK | os.X_OK)
        except OSError as error:
            raise UsageError(
                f"cannot write the discovery cache in {folder}: {error.strerror}"
            ) from None
        if not writable:
            raise UsageError(
                f"cannot write the discovery cache in {folder}: "
                f"{existing} is not a folder this user may write to"
            )

    def load(self, mac: str) -> DiscoveryCache | None:
        """The cached values, or None when there are none or the file is damaged."""
        try:
            data = json.loads(self.path_for(mac).read_text())
        except (OSError, ValueError, RecursionError):
            return None
        return DiscoveryCache.from_json(data)

    def save(self, mac: str, cache: DiscoveryCache | None) -> None:
        path = self.path_for(mac)
        if cache is None:
            path.unlink(missing_ok=True)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(cache.to_json(), indent=2) + "\n")
        os.replace(temporary, path)  # a crash mid-write leaves the old cache, never half a file
