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
        return self.read(mac)[0]

    def read(self, mac: str) -> tuple[DiscoveryCache | None, str | None]:
        """The cached values and, when a file is there but unusable, why (one line, for the
        phone's trace); (None, None) when the phone has no cache at all."""
        path = self.path_for(mac)
        try:
            text = path.read_text()
        except FileNotFoundError:
            return None, None
        except OSError as error:
            return None, f"{path} cannot be read: {error.strerror}"
        try:
            data = json.loads(text)
        except ValueError as error:
            return None, f"{path} is not JSON ({error})"
        cache = DiscoveryCache.from_json(data)
        if cache is None:
            return None, f"{path} is not a discovery cache of this phonesim (format, fields)"
        return cache, None

    def save(self, mac: str, cache: DiscoveryCache | None) -> None:
        path = self.path_for(mac)
        if cache is None:
            path.unlink(missing_ok=True)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(cache.to_json(), indent=2) + "\n")
        os.replace(temporary, path)  # a crash mid-write leaves the old cache, never half a file
