"""phonesim: emulator of the IP phones that sign in to Lync Server 2010 with extension and PIN.

Public API (imported lazily so `import phonesim` stays cheap):
`phonesim.boot(...)`, `phonesim.Phone`, `phonesim.load_profile(...)`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Phone", "boot", "load_profile"]


def __getattr__(name: str) -> Any:
    if name == "boot":
        from phonesim.app.boot import boot

        return boot
    if name == "Phone":
        from phonesim.core.phone import Phone

        return Phone
    if name == "load_profile":
        from phonesim.profiles import load_profile

        return load_profile
    raise AttributeError(name)
