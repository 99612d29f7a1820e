"""Keep scapy's own data cache from crashing phonesim.

scapy (2.6 and later) pickles the tables it parses at import (services,
ethertypes, manufacturers) into `$XDG_CACHE_HOME/scapy` or `~/.cache/scapy`.
It guards reading and writing those files, but not the `exists()` check
before them: after a `sudo -E phonesim ...` the folder belongs to root, and
the user's next run dies in `import scapy.layers...` with a PermissionError
about a file the user never asked for. The folder is decided when
`scapy.main` is imported and read when `scapy.data` is; between the two,
caching can be switched off. Without it scapy parses the same tables again,
which costs milliseconds.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def scapy_cache_folder() -> Path:
    """Where scapy keeps its cache, computed as scapy computes it."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "scapy"


def cache_usable(folder: Path) -> bool:
    """True when scapy can check, read and replace its files there (or make the folder)."""
    try:
        if not folder.parent.exists():
            return True  # scapy creates it, inside its own guard
        if not os.access(folder.parent, os.X_OK):
            return False
        if not folder.exists():
            return True
    except OSError:
        return False
    return os.access(folder, os.R_OK | os.W_OK | os.X_OK)


def avoid_unusable_scapy_cache() -> None:
    """Switch scapy's cache off when its folder cannot be used; call before scapy loads.

    Cheap when the folder is fine (a few `stat` calls): scapy itself is
    imported only when the cache has to be switched off.
    """
    if "scapy.data" in sys.modules or cache_usable(scapy_cache_folder()):
        return
    import scapy.main

    if hasattr(scapy.main, "SCAPY_CACHE_FOLDER"):
        scapy.main.SCAPY_CACHE_FOLDER = None
