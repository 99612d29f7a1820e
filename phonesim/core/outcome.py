"""How a boot ended: signed in, or stopped at a stage for a named reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from phonesim.core.stage import Stage


@dataclass(frozen=True, slots=True)
class Success:
    t: float
    web_url: str
    registrar: str
    sip_uri: str | None
    stage: str = Stage.REGISTRAR.value
    """The last stage run; earlier than registrar when the boot was asked to stop early."""
    provisioned: dict[str, Any] | None = None
    """What the phone kept of in-band provisioning (pool, MRAS, location profile, policy)."""
    held: dict[str, Any] | None = None
    """For a boot held registered: how long, refreshes, keep-alives, re-handshakes, and
    whether it signed out."""


@dataclass(frozen=True, slots=True)
class Failure:
    t: float
    stage: str
    reason: str
    """Stable name of the cause, e.g. `webticket.pin_rejected`."""
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    web_url: str | None = None
    registrar: str | None = None


Outcome = Success | Failure
