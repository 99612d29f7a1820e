"""Time: the phone sets its clock before it checks any certificate's validity.

The time servers of the winning DHCP answer's options 42 and 4 first (the
profile's order); without them, the targets of the `_ntp._udp` SRV record of the
SIP domain (UP-c8af0c49; the DHCP domain until the SIP domain is known), or the
profile's fallback host when there is none, each resolved in turn. A server that
does not answer is passed over; when none answers, the phone keeps its own clock
and goes on. That clock is the device's power-on value (the profile's), not the
laptop's: the stage itself never fails, but a phone that "requires NTP to set the
correct time and date" then fails at the first certificate it checks, as the
device does (msxfaq: a wrong clock makes the certificates invalid).
"""

from __future__ import annotations

from typing import ClassVar

from phonesim.core.commands import QueryTime
from phonesim.core.context import BootContext
from phonesim.core.events import AddressResolved, Event, SrvResolved, TimeAnswered
from phonesim.core.stage import Stage
from phonesim.core.stages.base import DONE, Step, Stepwise
from phonesim.core.trace_schema import (
    TIME_NO_ANSWER,
    TIME_QUERY,
    TIME_SYNCHRONIZED,
    TIME_UNSYNCHRONIZED,
)


class TimeSync(Stepwise):
    __slots__ = ("_hosts", "_plan", "_ports", "waiting_for")
    stage: ClassVar[Stage] = Stage.TIME

    def __init__(self, ctx: BootContext) -> None:
        super().__init__(ctx)
        self._plan: list[str] = []
        """Option 42's servers still to ask (addresses)."""
        self._hosts: list[str] = []
        """Time servers by name still to ask (from the SRV record)."""
        self._ports: dict[str, int] = {}
        self.waiting_for: str | None = None

    def start(self, now: float) -> Step:
        ctx = self.ctx
        self._plan = list(ctx.ntp_servers)
        if self._plan:
            return self._next_server()
        name = f"{ctx.profile.dns.ntp_srv}.{ctx.lookup_domain}"
        ctx.names.srv(name, self)
        return None

    def handle(self, event: Event, now: float) -> Step:
        if isinstance(event, SrvResolved):
            records = sorted(event.records, key=lambda r: (r.priority, -r.weight))
            self._hosts = [r.target.rstrip(".") for r in records] or [
                self.ctx.profile.dns.ntp_fallback_host
            ]
            self._ports = {r.target.rstrip("."): r.port for r in records}
            return self._next_host()
        if isinstance(event, AddressResolved):
            host, self.waiting_for = self.waiting_for, None
            return self._resolved(host) if host is not None else None
        assert isinstance(event, TimeAnswered)
        return self._answered(event, now)

    def _next_server(self) -> Step:
        if not self._plan:
            return self._unsynchronized()
        address = self._plan.pop(0)
        self._query(address, address, self.ctx.profile.time.ntp_port)
        return None

    def _next_host(self) -> Step:
        if not self._hosts:
            return self._unsynchronized()
        host = self._hosts.pop(0)
        if self.ctx.names.lookup(host, self):
            return self._resolved(host)
        self.waiting_for = host
        return None

    def _resolved(self, host: str) -> Step:
        address = self.ctx.names.address_of(host)
        if address is None:
            return self._next_host()
        self._query(host, address, self._ports.get(host, self.ctx.profile.time.ntp_port))
        return None

    def _query(self, name: str, address: str, port: int) -> None:
        self.ctx.out.trace(TIME_QUERY, server=name, address=address, port=port)
        self.ctx.ask(QueryTime(name, address, port, self.ctx.profile.time.timeout), self)

    def _answered(self, event: TimeAnswered, now: float) -> Step:
        ctx = self.ctx
        if event.unix_time is None:
            ctx.out.trace(TIME_NO_ANSWER, server=event.server, error=event.error)
            return self._next_server() if self._plan else self._next_host()
        offset = event.unix_time - ctx.wall_time(now)
        ctx.set_clock(event.unix_time, now)
        ctx.out.trace(
            TIME_SYNCHRONIZED,
            server=event.server,
            offset=round(offset, 3),
            clock=ctx.wall_datetime(now).isoformat(),
        )
        return DONE

    def _unsynchronized(self) -> Step:
        ctx = self.ctx
        clock = ctx.wall_datetime(ctx.out.now).isoformat()
        ctx.out.trace(
            TIME_UNSYNCHRONIZED,
            note=f"no time server answered; keeping the phone's clock ({clock})",
            clock=clock,
        )
        return DONE


__all__ = ["TimeSync"]
