"""The update server lookup: `ucupdates-r2.<DHCP domain>`, asked at boot beside discovery.

UP-9170aa30 (Device Update): before any user signs in, the device looks for updates at
"ucupdates-r2.<DNS domain name that was provided by DHCP>". phonesim does not update
firmware; it asks the name because a real phone does (DNS load, and a site's trace
shows it) and traces what it found. A missing record is no failure: the phone goes on.
"""

from __future__ import annotations

from phonesim.core.context import BootContext
from phonesim.core.events import AddressResolved, Event
from phonesim.core.stages.base import Step
from phonesim.core.trace_schema import DNS_UPDATE_SERVER


class UpdateServerLookup:
    __slots__ = ("ctx", "finished", "name")

    def __init__(self, ctx: BootContext) -> None:
        self.ctx = ctx
        self.name = f"{ctx.profile.dns.update_server_host}.{ctx.network.dns_domain.strip('.')}"
        self.finished = False

    def start(self) -> None:
        if not self.ctx.network.dns_domain.strip("."):
            self.finished = True
            self.ctx.out.trace(
                DNS_UPDATE_SERVER,
                name=self.name,
                addresses=[],
                note="no DHCP domain: no update server name to ask",
            )
            return
        if self.ctx.names.lookup(self.name, self):
            self._found()

    def handle(self, event: Event, now: float) -> Step:
        """The A answer for the update server: traced, never a step of the boot."""
        assert isinstance(event, AddressResolved)
        self._found()
        return None

    def _found(self) -> None:
        self.finished = True
        addresses = self.ctx.names.addresses_of(self.name)
        self.ctx.out.trace(
            DNS_UPDATE_SERVER,
            name=self.name,
            addresses=list(addresses),
            note="update server found (phonesim does not update firmware)"
            if addresses
            else "no update server: the phone goes on without updates",
        )


__all__ = ["UpdateServerLookup"]
