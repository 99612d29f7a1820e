"""The phone's boot, from power-on to the registrar's challenge, as an I/O-free machine.

The driver calls `start(now)`, then `handle(event, now)` for everything that
comes back and `handle_timer(now)` when `next_deadline()` is reached; each call
returns the commands to carry out. Time, randomness and bytes come in from the
driver, so the same boot can run live, in a fleet, or replayed from a capture
with a virtual clock.

`Phone` is the conductor: it keeps the facts the stages share
(`BootContext`), runs one stage machine at a time (`phonesim.core.stages`),
routes each event to the machine that asked for it, and, when a stage is done
or failed, reads the boot's table (`phonesim.core.flow`) for what comes next.
It decides nothing about DHCP, DNS or the web services itself, nor where a
boot starts (`boot_start`: the discovery cache's policy) or which event ends
its trace (`boot_ending`, reading the tables of `trace_endings`).

Time is the phone's: every command that asks something of the network
(ResolveSrv, ResolveAddress, QueryTime, Fetch*, Request*, ConnectRegistrar)
carries the timeout the profile gives, and `next_deadline()` covers every one
still open, as it covers the DHCP retransmissions and answer window. A driver
hands over the answer when it comes; when none came in time, the phone itself
takes the request as failed (in the words a driver used for that silence) and
says `Abandon`. While the phone boots it always has a deadline, so a driver
never has to guess whether it waits for something. DHCP answers are
unsolicited and may come at any time while the phone listens (until StopDhcp).
"""

from __future__ import annotations

from phonesim.codec.lease_options import LeaseValues
from phonesim.core import flow
from phonesim.core.boot_ending import trace_ending
from phonesim.core.boot_start import read_cache
from phonesim.core.commands import Abandon, Command
from phonesim.core.context import BootContext
from phonesim.core.discovery_cache import CachePolicy, DiscoveryCache
from phonesim.core.events import (
    AddressResolved,
    DhcpReceived,
    Event,
    LldpPolicyHeard,
    SrvRecord,
    SrvResolved,
)
from phonesim.core.identity import NetworkSettings, PhoneIdentity, RandomSource
from phonesim.core.lease_return import release_held_leases
from phonesim.core.outcome import Failure, Outcome, Success
from phonesim.core.profile import DeviceProfile
from phonesim.core.requests import Pending, Waiter, about, timed_out
from phonesim.core.stage import Stage
from phonesim.core.stages.base import DONE, Done, Failed, StageMachine, Step
from phonesim.core.stages.held import Held
from phonesim.core.stages.lldp import LldpListen
from phonesim.core.stages.machines import MACHINE
from phonesim.core.step import Redirect
from phonesim.core.supplied_trust import SuppliedTrust
from phonesim.core.trace_schema import (
    BOOT_EVENT_IGNORED,
    DISCOVERY_CACHE_DISCARDED,
    POWER_ON,
    WEBTICKET_CACHED_CERTIFICATE_REFUSED,
)

STOP_STAGES = tuple(str(stage) for stage in flow.STOP_AFTER)
"""The stages a boot can be asked to stop after, as `phonesim.core.flow` lists them."""
FINAL_STAGES = STOP_STAGES

_SPELT = {stage: str(stage) for stage in Stage}
"""Each stage as the plain text outcomes and traces carry."""


class Phone:
    """One virtual phone. Small on purpose: a fleet holds thousands of these."""

    __slots__ = (
        "_bringup",
        "_cache",
        "_cache_problem",
        "_ctx",
        "_lingering",
        "_machine",
        "_rediscovered",
        "_release_lease",
        "_start",
        "_stop",
        "outcome",
    )

    def __init__(
        self,
        profile: DeviceProfile,
        identity: PhoneIdentity,
        network: NetworkSettings,
        *,
        rng: RandomSource,
        wall_clock: float,
        cache: DiscoveryCache | None = None,
        cache_policy: CachePolicy | None = None,
        final_stage: str = flow.LAST.value,
        hold: float | None = None,
        supplied_trust: SuppliedTrust | None = None,
        bringup: frozenset[Stage] = frozenset(),
        cache_problem: str | None = None,
        release_lease: bool = False,
    ) -> None:
        """`bringup`: the bring-up stages this boot plays (`phonesim.core.bringup`); none
        for a phone that already sits on its network with an address. `cache_problem`: why
        the stored cache could not be read (damaged, not a cache): the phone then starts
        without one and says so. `release_lease`: a lease the phone holds when its boot
        ends is given back (DHCPRELEASE), so a site's pool does not fill with the leases
        of boots long over; a fleet gives its phones' back itself, all at once."""
        self._stop = flow.stop_stage(final_stage)
        self._bringup = bringup
        self._release_lease = release_lease
        self._start = flow.Start.DISCOVER
        if hold is not None and (hold <= 0 or self._stop is not flow.HELD_AFTER):
            raise ValueError(
                f"a phone is held registered only after {flow.HELD_AFTER}, for a positive time"
            )
        self._ctx = BootContext(
            profile,
            identity,
            network,
            rng=rng,
            wall_clock=wall_clock,
            cache_policy=cache_policy or CachePolicy.device(),
            supplied_trust=supplied_trust,
        )
        self._ctx.hold = hold
        self._cache = cache
        self._cache_problem = cache_problem
        self._machine: StageMachine | None = None
        self._lingering: tuple[StageMachine, ...] = ()
        """Stages done that still listen or wait (discovery's DHCP window, its DNS search)."""
        self._rediscovered = False
        self.outcome: Outcome | None = None

    # ------------------------------------------------------------------ facts

    @property
    def profile(self) -> DeviceProfile:
        return self._ctx.profile

    @property
    def identity(self) -> PhoneIdentity:
        return self._ctx.identity

    @property
    def network(self) -> NetworkSettings:
        return self._ctx.network

    @property
    def web_url(self) -> str | None:
        return self._ctx.web_url

    @property
    def sip_uri(self) -> str | None:
        return self._ctx.sip_uri

    @property
    def lease(self) -> LeaseValues | None:
        """The phone's own lease (bring-up), while it holds one."""
        return self._ctx.bringup.lease

    @property
    def stage(self) -> Stage | None:
        """The stage under way (None before power-on)."""
        return None if self._machine is None else self._machine.stage

    def wall_time(self, now: float) -> float:
        """The phone's clock (unix seconds) at monotonic `now`."""
        return self._ctx.wall_time(now)

    @property
    def holding(self) -> bool:
        """Held registered: the boot is over but for the hold and its sign-out."""
        return isinstance(self._machine, Held) and self.outcome is None

    def address_of(self, host: str) -> str | None:
        return self._ctx.names.address_of(host)

    # -------------------------------------------------------------------- API

    def start(self, now: float) -> list[Command]:
        ctx = self._ctx
        out = ctx.out
        out.t0 = out.now = ctx.mono_at = now
        device = ctx.profile.device
        out.trace(
            POWER_ON,
            profile=ctx.profile.name,
            model=f"{device.vendor} {device.model}",
            firmware=device.firmware,
            mac=ctx.identity.mac,
            address=ctx.network.address,
            domain=ctx.network.dns_domain,
        )
        self._start = read_cache(ctx, self._cache, self._cache_problem)
        self._enter(flow.first_stage(self._start, self._stop, self._bringup), now)
        return out.take()

    def handle(self, event: Event, now: float) -> list[Command]:
        """Something arrived. Once the boot is over the phone takes nothing more: its trace
        has ended with the outcome."""
        if self.outcome is not None:
            return []
        ctx = self._ctx
        ctx.out.now = now
        if isinstance(event, LldpPolicyHeard):
            machine = self._machine
            if isinstance(machine, LldpListen) and machine.listens_for_lldp:
                self._deliver(machine, event, now)
            else:
                self._ignore(event, "the phone no longer listens for LLDP")
        elif isinstance(event, DhcpReceived):
            machine = self._machine
            listener = machine if machine is not None and machine.listens_for_dhcp else None
            if listener is None and self._lingering:
                listener = next((m for m in self._lingering if m.listens_for_dhcp), None)
            if listener is None:
                self._ignore(event, "the phone no longer listens for DHCP answers")
            else:
                self._deliver(listener, event, now)
        else:
            pending = ctx.requests.close(event)
            if pending is None:
                self._ignore(event, "the phone waits for no such answer: it came again, or late")
            else:
                self._answer(pending, event, now)
        if self._lingering:
            self._prune()
        return ctx.out.take()

    def next_deadline(self) -> float | None:
        """The earliest of the stages' own timers and the open requests' deadlines."""
        if self.outcome is not None:
            return None
        earliest = self._ctx.requests.earliest()
        # The stage under way and those lingering, without building `_active()`'s tuple:
        # the driver asks after every call into the phone.
        if self._machine is not None:
            deadline = self._machine.next_deadline()
            if deadline is not None and (earliest is None or deadline < earliest):
                earliest = deadline
        for machine in self._lingering:
            deadline = machine.next_deadline()
            if deadline is not None and (earliest is None or deadline < earliest):
                earliest = deadline
        return earliest

    def end_hold(self, now: float, why: str = "the program's end") -> list[Command]:
        """Cut a hold short (the user stops the program; `why` says how, e.g. `Ctrl-C`):
        the phone signs out as soon as its connection is free; nothing to do for a phone
        not held."""
        machine = self._machine
        out = self._ctx.out
        if self.outcome is None and isinstance(machine, Held):
            out.now = now
            self._advance(machine.end_now(now, why), now)
        return out.take()

    def handle_timer(self, now: float) -> list[Command]:
        """`now` has reached `next_deadline()`: requests whose time is up fail, then the
        stages' own timers fire."""
        out = self._ctx.out
        if self.outcome is not None:
            return out.take()
        out.now = now
        for pending in self._ctx.requests.due(now):
            if self.outcome is not None:
                break
            out.send(Abandon(pending.command))
            self._answer(pending, timed_out(pending.command), now)
        for machine in self._active():
            if self.outcome is not None:
                break
            deadline = machine.next_deadline()
            if deadline is not None and now >= deadline:
                step = machine.handle_timer(now)
                if machine is self._machine:
                    self._advance(step, now)
        if self._lingering:
            self._prune()
        return out.take()

    # ---------------------------------------------------------------- routing

    def _answer(self, pending: Pending, event: Event, now: float) -> None:
        """Hand an answer (or a request's timeout) to whoever asked."""
        if isinstance(event, SrvResolved | AddressResolved):
            for waiter in self._ctx.names.answered(event):
                if self.outcome is not None:
                    break
                self._deliver(waiter, event, now)
        elif pending.owner in self._active():
            self._deliver(pending.owner, event, now)
        else:
            self._ignore(event, "the stage that asked for it is over")

    def _ignore(self, event: Event, why: str) -> None:
        """Nothing waits for `event`: it is traced, never dropped in silence."""
        self._ctx.out.trace(
            BOOT_EVENT_IGNORED, event=type(event).__name__, about=about(event), why=why
        )

    def _active(self) -> tuple[StageMachine, ...]:
        if self._machine is None:
            return self._lingering
        if not self._lingering:
            return (self._machine,)
        return (self._machine, *self._lingering)

    def _deliver(self, machine: Waiter, event: Event, now: float) -> None:
        step = machine.handle(event, now)
        # A stage done but still listening in the background steers nothing.
        if machine is self._machine:
            self._advance(step, now)

    def _prune(self) -> None:
        self._lingering = tuple(m for m in self._lingering if m.busy)

    # ------------------------------------------------------------------- flow

    def _begins(self, stage: Stage) -> bool:
        """Whether the boot goes on to `stage`, as far as it was asked to go (a held phone
        goes on to the hold)."""
        return flow.begins(stage, self._stop, holding=self._ctx.hold is not None)

    def _enter(self, stage: Stage, now: float) -> None:
        if self._begins(stage):
            self._advance(self._begin(stage, now), now)
        else:
            self._succeed(DONE, now)

    def _begin(self, stage: Stage, now: float) -> Step:
        machine = self._machine = MACHINE[stage](self._ctx)
        return machine.start(now)

    def _advance(self, step: Step, now: float) -> None:
        """The only place the boot moves from one stage to the next."""
        while step is not None:
            if isinstance(step, Failed):
                step = self._failed(step, now)
                continue
            machine = self._machine
            assert machine is not None
            if isinstance(step, Redirect):
                step = self._begin(flow.REDIRECTED_TO[machine.stage], now)
                continue
            if machine.stage in flow.BRINGUP:
                following: Stage | None = flow.after_bringup(
                    machine.stage, self._start, self._stop, self._bringup
                )
            else:
                following = flow.FOLLOWS[machine.stage]
            if following is None or not self._begins(following):
                self._succeed(step, now)
                return
            if machine.busy:
                self._lingering = (*self._lingering, machine)
            step = self._begin(flow.within(following, self._stop), now)

    def _failed(self, step: Failed, now: float) -> Step:
        """A stage failed: from the cache, forget it and discover afresh (once); else the end."""
        ctx = self._ctx
        machine = self._machine
        assert machine is not None
        if ctx.warm_certificate and machine.stage is Stage.TLSDSK:
            # The certificate kept from the last sign-in did not sign the phone in: it
            # signs in with its PIN, as a phone whose certificate was revoked does.
            ctx.out.trace(
                WEBTICKET_CACHED_CERTIFICATE_REFUSED,
                failed_stage=_SPELT[step.stage],
                cause=step.reason,
                note="the kept certificate did not sign the phone in; asking for the PIN",
            )
            ctx.drop_kept_certificate()
            return self._begin(Stage.WEBTICKET, now)
        if (
            ctx.using_cache
            and not self._rediscovered
            and step.servers_at_fault
            and machine.stage in flow.REDISCOVER_AFTER
        ):
            self._rediscovered = True
            ctx.using_cache = False
            ctx.out.trace(
                DISCOVERY_CACHE_DISCARDED,
                failed_stage=_SPELT[step.stage],
                cause=step.reason,
                note="cached servers did not work; asking DHCP and DNS again",
            )
            ctx.forget_servers()
            return self._begin(flow.first_stage(flow.Start.DISCOVER, self._stop), now)
        first = ctx.registrars[0].label() if ctx.registrars else None
        self._finish(
            Failure(
                t=round(now - ctx.out.t0, 6),
                stage=_SPELT[step.stage],
                reason=step.reason,
                message=step.message,
                evidence=step.evidence,
                web_url=ctx.web_url,
                # The registrar the phone would try first; none once it tried them all.
                registrar=None if machine.stage is Stage.REGISTRAR else first,
            )
        )
        return None

    def _succeed(self, done: Done, now: float) -> None:
        ctx = self._ctx
        self._finish(
            Success(
                t=round(now - ctx.out.t0, 6),
                web_url=done.web_url if done.web_url is not None else ctx.web_url or "",
                registrar=done.registrar
                if done.registrar is not None
                else ",".join(r.label() for r in ctx.registrars),
                sip_uri=ctx.sip_uri,
                stage=_SPELT[self._stop],
                provisioned=None if ctx.provisioned is None else ctx.provisioned.kept(),
                held=done.held,
            )
        )

    def _finish(self, outcome: Outcome) -> None:
        self.outcome = outcome
        if self._machine is not None:
            self._machine.stop()
        for machine in self._lingering:
            machine.stop()
        if self._release_lease:
            release_held_leases(self._ctx)
        trace_ending(self._ctx.out, outcome, self._stop, discovery_cache_used=self._ctx.using_cache)


__all__ = ["FINAL_STAGES", "STOP_STAGES", "Phone", "SrvRecord"]
