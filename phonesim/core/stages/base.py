"""What a stage machine is, and how a stage says a web service failed it.

A stage machine runs one stage of the boot: it begins (`start`), takes the
answers to what it asked (`handle`) and its own timers (`next_deadline`,
`handle_timer`), and says after each call whether it is still working (None),
done (`Done`) or failed (`Failed`, see `phonesim.core.step`). What happens
next is not its business: the conductor reads the boot's table
(`phonesim.core.flow`).

A stage may keep working after it is done, in the background: discovery keeps
listening for late DHCP answers and lets its DNS search finish (`busy`). Its
later steps are traced, never acted upon.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

from phonesim.core.context import BootContext
from phonesim.core.events import Event
from phonesim.core.failure import ServiceFailure
from phonesim.core.stage import Stage
from phonesim.core.step import DONE, Done, Failed, Step


class StageMachine(Protocol):
    stage: ClassVar[Stage]

    def start(self, now: float) -> Step: ...

    def handle(self, event: Event, now: float) -> Step: ...

    def next_deadline(self) -> float | None: ...

    def handle_timer(self, now: float) -> Step: ...

    @property
    def busy(self) -> bool:
        """Still listening or waiting for something after it was done."""
        ...

    @property
    def listens_for_dhcp(self) -> bool: ...

    def stop(self) -> None:
        """The boot is over: let go of what is held (the DHCP socket)."""
        ...


class Stepwise:
    """The defaults of a stage that has no timers of its own and is over when done."""

    __slots__ = ("ctx",)
    stage: ClassVar[Stage]
    listens_for_dhcp: ClassVar[bool] = False

    def __init__(self, ctx: BootContext) -> None:
        self.ctx = ctx

    def next_deadline(self) -> float | None:
        return None

    def handle_timer(self, now: float) -> Step:
        return None

    @property
    def busy(self) -> bool:
        return False

    def stop(self) -> None:
        return None


STAGE_TEXT = {
    Stage.ROOTCHAIN: "root certificate chain download",
    Stage.CERTPROV: "CertProvisioningService",
    Stage.WEBTICKET: "Web Ticket service",
    Stage.REGISTRAR: "registrar",
}


def service_failed(stage: Stage, url: str, failure: ServiceFailure) -> Failed:
    """A web service (or the registrar) refused or failed: the servers' fault."""
    cause = f"http_{failure.http_status}" if failure.kind == "http_status" else failure.kind
    evidence: dict[str, Any] = {}
    if failure.presented is not None:
        evidence["server_certificate"] = {
            "subject": failure.presented.subject,
            "issuer": failure.presented.issuer,
            "not_before": failure.presented.not_before.isoformat(),
            "not_after": failure.presented.not_after.isoformat(),
        }
    return Failed(
        stage,
        cause,
        f"{STAGE_TEXT[stage]} failed at {url}: {failure.describe()}",
        servers_at_fault=True,
        url=url,
        kind=failure.kind,
        detail=failure.detail,
        http_status=failure.http_status,
        error_id=failure.error_id,
        server_reason=failure.reason,
        **evidence,
    )


__all__ = ["DONE", "Done", "Failed", "StageMachine", "Step", "Stepwise", "service_failed"]
