"""How a step that went out to the network failed, as the core sees it.

Drivers turn their exceptions into this plain value so the core can decide
without knowing about sockets, httpx or zeep.
"""

from __future__ import annotations

from dataclasses import dataclass

from phonesim.codec.certificate import CertificateSummary


@dataclass(frozen=True, slots=True)
class ServiceFailure:
    kind: str
    """unresolved | connect | timeout | tls | http_status | fault | rejected | malformed"""
    detail: str
    http_status: int | None = None
    error_id: int | None = None
    """Ms-Diagnostics error id, when the server sent one."""
    reason: str | None = None
    """Ms-Diagnostics reason text, when the server sent one."""
    presented: CertificateSummary | None = None
    """The server certificate TLS verification refused, when it could be read."""
    fault_code: str | None = None
    """A SOAP fault's code, its namespace resolved: `{namespace}local`."""
    server_time: float | None = None
    """The server's clock (Unix seconds) from the HTTP `Date` header of its answer."""

    def describe(self) -> str:
        parts = [self.kind]
        if self.http_status is not None:
            parts.append(f"HTTP {self.http_status}")
        if self.error_id is not None:
            parts.append(f"ms-diagnostics {self.error_id}")
        if self.reason:
            parts.append(self.reason)
        elif self.detail:
            parts.append(self.detail)
        return ": ".join(parts[:1]) + (" (" + "; ".join(parts[1:]) + ")" if parts[1:] else "")
