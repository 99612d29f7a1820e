"""How a stage machine answers each call: still working (None), done, or failed.

Values, not exceptions: the conductor reads them to decide, from the boot's
table, what comes next.
"""

from __future__ import annotations

from typing import Any

from phonesim.core.stage import Stage


class Done:
    __slots__ = ("held", "registrar", "web_url")

    def __init__(
        self,
        web_url: str | None = None,
        registrar: str | None = None,
        held: dict[str, Any] | None = None,
    ) -> None:
        self.web_url = web_url
        """What the outcome says when the boot ends here, if the stage says otherwise
        than the context (the DHCP answer alone, the registrar that answered)."""
        self.registrar = registrar
        self.held = held
        """What a held phone's hold did (how long, refreshes, keep-alives, re-handshakes,
        signed out), for the outcome."""

    def __repr__(self) -> str:
        return f"Done(web_url={self.web_url!r}, registrar={self.registrar!r})"


DONE = Done()


class Failed:
    __slots__ = ("cause", "evidence", "message", "servers_at_fault", "stage")

    def __init__(
        self,
        stage: Stage,
        cause: str,
        message: str,
        *,
        servers_at_fault: bool = False,
        **evidence: Any,
    ) -> None:
        self.stage = stage
        """The stage the failure is told under (a trace stage: `certprov` for the CertProv
        metadata fetched in the web ticket step)."""
        self.cause = cause
        self.message = message
        self.servers_at_fault = servers_at_fault
        """The servers failed (not the user, not the phone): servers from the cache are
        then forgotten and discovered afresh, once."""
        self.evidence = evidence

    @property
    def reason(self) -> str:
        return f"{self.stage}.{self.cause}"

    def __repr__(self) -> str:
        return f"Failed({self.reason}: {self.message})"


class Redirect:
    """The servers sent the phone elsewhere (a Director's 301): the boot goes back to the
    stage `phonesim.core.flow.REDIRECTED_TO` names, with what the stage left in the context
    (the home pool as the only registrar)."""

    __slots__ = ("registrar",)

    def __init__(self, registrar: str) -> None:
        self.registrar = registrar

    def __repr__(self) -> str:
        return f"Redirect({self.registrar!r})"


Step = Done | Failed | Redirect | None


__all__ = ["DONE", "Done", "Failed", "Redirect", "Step"]
