"""The phone's flash: one discovery cache per phone (by MAC) in a state folder."""

from __future__ import annotations

import json
import os
from pathlib import Path

from phonesim.core.discovery_cache import DiscoveryCache


class DiscoveryCacheStore:
    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir

    def path_for(self, mac: str) -> Path:
        return self.state_dir / mac.lower().replace(":", "-") / "discovery-cache.json"

    def load(self, mac: str) -> DiscoveryCache | None:
        """The cached values, or None when there are none or the file is damaged."""
        try:
            data = json.loads(self.path_for(mac).read_text())
        except (OSError, ValueError):
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
