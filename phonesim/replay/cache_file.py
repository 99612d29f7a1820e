"""The discovery cache file given to `replay --cache`: the one a boot keeps in its state folder.

A boot writes `<state>/<mac>/discovery-cache.json` (`drivers/cache_store.py`); a replay
reads that file, or the folder holding it, as the phone's flash at power-on. Its kept
certificate is not read: a replay stops at discovery, before any sign-in. Anything
that is not such a cache is refused with one line naming the file.
"""

from __future__ import annotations

import json
from pathlib import Path

from phonesim.core.discovery_cache import DiscoveryCache
from phonesim.errors import UsageError

CACHE_FILE_NAME = "discovery-cache.json"


def cache_file_path(path: Path) -> Path:
    """The cache file `path` names: itself, or the one in the phone's folder it names."""
    return path / CACHE_FILE_NAME if path.is_dir() else path


def read_cache_file(path: Path) -> DiscoveryCache:
    """The cache in `path` (the JSON file, or the phone's folder that holds it)."""
    path = cache_file_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"--cache {path}: no such file") from None
    except UnicodeDecodeError:
        raise UsageError(f"--cache {path}: not a discovery cache (not UTF-8 text)") from None
    except OSError as error:
        raise UsageError(f"--cache {path}: cannot be read ({error.strerror})") from None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise UsageError(f"--cache {path}: not JSON ({error})") from None
    cache = DiscoveryCache.from_json(data)
    if cache is None:
        raise UsageError(
            f"--cache {path}: not a discovery cache of this phonesim (its format or fields "
            f"differ from the {CACHE_FILE_NAME} a boot writes)"
        )
    return cache


__all__ = ["CACHE_FILE_NAME", "cache_file_path", "read_cache_file"]
