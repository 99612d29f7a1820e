"""One stage machine on its own, driven as the phone's conductor drives it, on a virtual clock.

h11's test_state drives ConnectionState alone; aioquic asserts get_timer() after
every step. Here a test builds one stage with the facts earlier stages would
have left, feeds it answers, lets its deadlines pass, and reads what it said
and when it next needs the clock.
"""

from __future__ import annotations

import random
from typing import Any

from phonesim.core.commands import Abandon, Command, Trace
from phonesim.core.context import BootContext
from phonesim.core.discovery_cache import CachePolicy
from phonesim.core.events import AddressResolved, Event, SrvResolved
from phonesim.core.identity import NetworkSettings, PhoneIdentity, Pin
from phonesim.core.requests import timed_out
from phonesim.core.stages.base import Step
from phonesim.profiles import load_profile

from ..world import DOMAIN, PIN_DIGITS, WALL_CLOCK

START = 100.0
"""Seconds on the driver's clock when the stage begins."""


class Bench:
    def __init__(self, machine: type, *, profile: str = "polycom-cx600", **facts: Any) -> None:
        ctx = BootContext(
            load_profile(profile),
            PhoneIdentity(
                mac="00:04:f2:00:00:01",
                sign_in_as="5551234",
                pin=Pin(PIN_DIGITS),
            ),
            NetworkSettings(address="192.0.2.100", dns_domain=DOMAIN),
            rng=random.Random(7),
            wall_clock=WALL_CLOCK,
            cache_policy=CachePolicy.device(),
        )
        # A stage met alone runs on a phone whose clock is already right (the time stage
        # before it set it), not on the device's clock at power-on.
        ctx.set_clock(WALL_CLOCK, 0.0)
        for name, value in facts.items():
            setattr(ctx, name, value)
        ctx.out.t0 = ctx.out.now = ctx.mono_at = START
        self.ctx = ctx
        self.now = START
        self.machine = machine(ctx)
        self.log: list[Command] = []

    @property
    def profile(self) -> Any:
        return self.ctx.profile

    # -- driving

    def start(self) -> Step:
        return self._took(self.machine.start(self.now))

    def answer(self, event: Event, after: float = 0.0) -> Step:
        """An answer arrives `after` seconds from now, to a request the stage has open."""
        self._at(self.now + after)
        pending = self.ctx.requests.close(event)
        assert pending is not None, f"the stage asked nothing that {event!r} answers"
        return self._took(self._route(event))

    def dhcp(self, event: Event, after: float = 0.0) -> Step:
        """A DHCP answer arrives (unasked) `after` seconds from now."""
        self._at(self.now + after)
        assert self.machine.listens_for_dhcp, "the stage does not listen for DHCP"
        return self._took(self.machine.handle(event, self.now))

    def wait(self) -> Step:
        """Nothing arrives: the clock moves to the next deadline, which fires."""
        deadline = self.next_deadline()
        assert deadline is not None, "the stage waits for nothing"
        self._at(deadline)
        step: Step = None
        for pending in self.ctx.requests.due(self.now):
            self.ctx.out.send(Abandon(pending.command))
            step = self._route(timed_out(pending.command)) or step
        own = self.machine.next_deadline()
        if own is not None and own <= self.now:
            step = self.machine.handle_timer(self.now) or step
        return self._took(step)

    def next_deadline(self) -> float | None:
        """As `Phone.next_deadline()` would say while this stage is the phone's."""
        deadlines = [self.machine.next_deadline(), self.ctx.requests.earliest()]
        found = [d for d in deadlines if d is not None]
        return min(found) if found else None

    # -- reading

    def asked(self, kind: type) -> list[Any]:
        return [c for c in self.log if isinstance(c, kind)]

    def last(self, kind: type) -> Any:
        found = self.asked(kind)
        assert found, f"no {kind.__name__} in {self.log}"
        return found[-1]

    def traces(self, event: str | None = None, stage: str | None = None) -> list[Trace]:
        return [
            c
            for c in self.log
            if isinstance(c, Trace)
            and (event is None or c.event == event)
            and (stage is None or c.stage == stage)
        ]

    # -- plumbing

    def _at(self, now: float) -> None:
        self.now = self.ctx.out.now = now

    def _route(self, event: Event) -> Step:
        if isinstance(event, SrvResolved | AddressResolved):
            step: Step = None
            for waiter in self.ctx.names.answered(event):
                step = waiter.handle(event, self.now) or step
            return step
        return self.machine.handle(event, self.now)

    def _took(self, step: Step) -> Step:
        self.log += self.ctx.out.take()
        return step
