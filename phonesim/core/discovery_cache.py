"""The discovery cache: what the phone keeps in flash between boots.

Seed rules: DHCP answers that carry an FQDN are cached whatever DNS says; a
cached entry is used on the next boot instead of asking again; after a
successful sign-in the cache is replaced by the values that worked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CACHE_FORMAT = 1


@dataclass(frozen=True, slots=True)
class RegistrarTarget:
    host: str
    port: int
    transport: str = "tls"
    address: str | None = None
    """The A-record address that worked, kept as a last resort when DNS fails (gg398713)."""

    def label(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class DiscoveryCache:
    source: str
    """dhcp | dns | signin: where the values came from."""
    web_url: str | None
    registrars: tuple[RegistrarTarget, ...]
    stored_at: float
    """Unix time of the phone's clock when stored."""
    dhcp_server: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "format": CACHE_FORMAT,
            "source": self.source,
            "web_url": self.web_url,
            "registrars": [
                {"host": r.host, "port": r.port, "transport": r.transport, "address": r.address}
                for r in self.registrars
            ],
            "stored_at": self.stored_at,
            "dhcp_server": self.dhcp_server,
        }

    @classmethod
    def from_json(cls, data: Any) -> DiscoveryCache | None:
        """Tolerant on purpose: a damaged cache means "ask the network again", never a crash."""
        if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT:
            return None
        try:
            registrars = tuple(
                RegistrarTarget(
                    host=str(r["host"]),
                    port=int(r["port"]),
                    transport=str(r.get("transport", "tls")),
                    address=None if r.get("address") is None else str(r["address"]),
                )
                for r in data.get("registrars", [])
            )
            web_url = data.get("web_url")
            return cls(
                source=str(data["source"]),
                web_url=None if web_url is None else str(web_url),
                registrars=registrars,
                stored_at=float(data["stored_at"]),
                dhcp_server=None if data.get("dhcp_server") is None else str(data["dhcp_server"]),
            )
        except (KeyError, TypeError, ValueError):
            return None

    @property
    def usable(self) -> bool:
        return self.web_url is not None and bool(self.registrars)
