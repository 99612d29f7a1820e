"""Run a fleet: power phones on as the load shape says, all on one event loop.

Every phone is the same core a single boot runs, driven by the same runner;
what the fleet adds is sharing (one DHCP socket with answers routed by xid and
MAC, one resolver, one key pool, web clients per trusted chain) and counting.
Every phone that powers on ends in the accounting: a success (the registrar's
TLS-DSK challenge, or the --stage asked for), or a named
failure, including `fleet.interrupted` when the run is stopped and
`fleet.driver_error` should a driver fail.

Given a hold, a phone that signed in stays registered on its own timers until its
hold ends and it signs out; only then is it finished. While held it takes no
booting slot (`--concurrency` bounds phones booting, not phones registered) and
the boot watchdog leaves it alone. Ctrl-C ends every hold with a sign-out.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from phonesim.core.commands import Trace
from phonesim.core.discovery_cache import CachePolicy
from phonesim.core.events import AddressResolved, SrvResolved
from phonesim.core.identity import PhoneIdentity, Pin
from phonesim.core.outcome import Failure, Outcome, Success
from phonesim.core.phone_factory import make_phone
from phonesim.core.profile import DeviceProfile
from phonesim.core.stage import Stage
from phonesim.core.supplied_trust import SuppliedTrust
from phonesim.core.trace_schema import HELD_BEGAN
from phonesim.drivers.bringup_settings import phone_settings
from phonesim.drivers.certificate_request import KeyPool
from phonesim.drivers.dhcp_interface import interface_facts
from phonesim.drivers.dhcp_transport import DhcpPlacement, open_dhcp_transport
from phonesim.drivers.network import Network
from phonesim.drivers.runner import BootStalled, PhoneRunner, PhoneServices, Resolver
from phonesim.drivers.shared_resolver import SharedResolver
from phonesim.drivers.web_client_pool import WebClientPool
from phonesim.errors import PhonesimError
from phonesim.fleet import stage_clock, stop_reason
from phonesim.fleet.arrivals import arrival_summary
from phonesim.fleet.compact_random import CompactRandom
from phonesim.fleet.fleet_leases import HeldLeases
from phonesim.fleet.frozen_heap import heap_frozen
from phonesim.fleet.hold_figures import HoldFigures
from phonesim.fleet.identities import FleetIdentity
from phonesim.fleet.load_shape import LoadShape
from phonesim.fleet.loop_lag import LoopLag
from phonesim.fleet.phone_log import PhoneRecord, PhonesCsv
from phonesim.fleet.preload import load_phone_libraries
from phonesim.fleet.record_stream import RecordStream, phone_frame
from phonesim.fleet.stage_clock import StageClock
from phonesim.fleet.statistics import FleetStatistics
from phonesim.fleet.tls_read_buffer import small_tls_read_buffers
from phonesim.fleet.udp_drop_watch import UdpDropWatch
from phonesim.fleet.warm_figures import WarmSplit
from phonesim.fleet.warm_plan import COLD, FELL_BACK, WARM_PIN, WarmPlan


class FleetSetupError(PhonesimError):
    """The fleet could not open what its phones share (a socket, the DNS server's route)."""


class _NoDns:
    """The resolver of phones that stop after DHCP: they never ask, so nothing is opened."""

    async def srv(self, name: str, timeout: float | None = None) -> SrvResolved:
        raise AssertionError(f"a DHCP-only phone looked up {name}")

    async def address(self, host: str, timeout: float | None = None) -> AddressResolved:
        raise AssertionError(f"a DHCP-only phone looked up {host}")


_NO_DNS = _NoDns()

INTERRUPTED = "fleet.interrupted"
DHCP_ONLY = frozenset({Stage.LEASE, Stage.DHCP})
"""Final stages that ask DHCP only (a DORA or an INFORM storm): no DNS socket, no domain."""
_FLEET_CACHE = CachePolicy.factory_fresh("a fleet's phones start factory-fresh", announce=False)
DRIVER_ERROR = "fleet.driver_error"
STALLED = "fleet.stalled"


@dataclass
class FleetPlan:
    identities: list[FleetIdentity]
    profiles: dict[str, DeviceProfile]
    shape: LoadShape
    final_stage: str = Stage.TLSDSK
    seed: int = 0
    key_pool: int = 8
    max_failures: int | None = None
    boot_limit: float = 300.0
    """A phone still booting after this long is counted as `fleet.stalled`: a safety net
    only, since every phone's own deadlines end its boot long before."""
    supplied_trust: SuppliedTrust | None = None
    """CA certificates every phone trusts in place of the root chain download (`--trust-ca`)."""
    hold: float | None = None
    """Seconds each phone stays registered after signing in, then signs out (`--hold`)."""
    start_at: float | None = None
    """The wall-clock time (epoch seconds) of the schedule's zero, shared by every slice of
    a fleet spread over several engines (`--start-at`); None: as soon as this one is ready."""
    bringup: frozenset[Stage] = frozenset()
    """The bring-up stages every phone plays (each its own lease from its own MAC);
    `--stage lease` plays the lease at least."""
    warm: WarmPlan | None = None
    """Which phones start with their kept cache and certificate (`--warm`)."""

    @property
    def phones_bring_up(self) -> frozenset[Stage]:
        if self.final_stage == Stage.LEASE:
            return self.bringup | {Stage.LEASE}
        return self.bringup


@dataclass
class FleetProgress:
    """What a dashboard shows while the fleet runs."""

    elapsed: float
    statistics: FleetStatistics
    in_flight: int
    by_stage: Counter[str]
    arrivals_done: bool
    stopping: bool
    hold: HoldFigures | None = None


class _Booting:
    """A phone the fleet runs, and the callbacks its runner and its future call.

    A held phone keeps these callbacks for its whole hold: as the methods of this
    object they cost a bound method each, where a closure or a partial per phone cost
    400 and 264 bytes (tracemalloc, 1,000 held phones).
    """

    __slots__ = (
        "capacity",
        "clock",
        "fell_back",
        "fleet",
        "future",
        "held",
        "identity",
        "kind",
        "runner",
        "scheduled",
        "started",
        "waited",
    )

    def __init__(
        self,
        fleet: FleetRun,
        identity: FleetIdentity,
        clock: StageClock,
        capacity: asyncio.Semaphore | None,
    ) -> None:
        self.fleet = fleet
        self.identity = identity
        self.clock = clock
        self.capacity = capacity
        self.runner: PhoneRunner
        self.future: asyncio.Future[Outcome]
        self.started = 0.0
        self.scheduled = 0.0
        self.waited = False
        self.held = False
        """Signed in and held registered: its booting slot is given back."""
        self.kind = COLD
        """Cold, or how a warm phone started (`warm_plan`)."""
        self.fell_back: str | None = None
        """Why a warm phone's kept certificate did not sign it in, if it did not."""

    def observe(self, trace: Trace) -> None:
        self.fleet._observe(self, trace)

    def observe_warm(self, trace: Trace) -> None:
        """A warm phone's trace: its kept certificate's fate is noted, then read as any."""
        if trace.event in FELL_BACK and self.fell_back is None:
            self.fell_back = FELL_BACK[trace.event]
        if self.fleet.hold is None:
            self.clock.observe(trace)
        else:
            self.fleet._observe(self, trace)

    def finished(self, _: asyncio.Future[Outcome]) -> None:
        self.fleet._finished(self, self.capacity)


class FleetRun:
    def __init__(
        self,
        plan: FleetPlan,
        network: Network,
        *,
        phones_csv: PhonesCsv | None = None,
        record_stream: RecordStream | None = None,
    ) -> None:
        self.plan = plan
        self._records = record_stream
        self.network = network
        self.statistics = FleetStatistics(
            plan.final_stage,
            held=plan.hold is not None,
            supplied_trust=plan.supplied_trust is not None,
            leased=Stage.LEASE in plan.phones_bring_up,
        )
        self.leases = HeldLeases()
        """The leases the phones took, given back when the fleet stops."""
        self.hold = None if plan.hold is None else HoldFigures(plan.hold)
        self._ending_holds: str | None = None
        """What is ending every hold (e.g. `Ctrl-C`); None while holds run their course."""
        self._capacity: asyncio.Semaphore | None = None
        self._csv = phones_csv
        self._booting: dict[int, _Booting] = {}
        self._stopping = False
        self._arrivals_done = False
        self._all_done: asyncio.Event | None = None
        self._t0 = 0.0
        self._ended: float | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._services: PhoneServices | None = None
        self._resolver: SharedResolver | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self.stop_reason: str | None = None
        self.started_wall: float | None = None
        """The wall clock when the first phone could power on (the run's start)."""
        self.udp_drops = UdpDropWatch(_server_sockets(network, plan.final_stage))
        self.loop_lag = LoopLag()
        """How late the fleet's own event loop ran: a delay every latency includes."""
        self.warm = None if plan.warm is None else WarmSplit()
        """Cold and warm phones' figures apart (`--warm`)."""

    # -- control ------------------------------------------------------------------

    def stop(self, reason: str) -> None:
        """No more phones power on; those booting finish (or hit the boot limit).

        The first reason given is the one the report gives.
        """
        self._stopping = True
        if self.stop_reason is None:
            self.stop_reason = reason

    def interrupt(self, reason: str) -> None:
        """Stop for a signal: the signal is what ended the run, even after the plan ran out
        (phones still in flight are cut short if it comes again, see `abort`)."""
        self._stopping = True
        if self.stop_reason is None or self.stop_reason not in stop_reason.BY_SIGNAL.values():
            self.stop_reason = reason
        self.end_holds(stop_reason.cut_by(reason))

    def end_holds(self, why: str = "the fleet's end") -> None:
        """Every held phone signs out now, and every phone still signing in as soon as it
        is held (a hold cut short is still ended with its sign-out); `why` is what cut
        the holds short, as each phone's hold reports it."""
        if self.hold is None or self._ending_holds is not None:
            return
        self._ending_holds = why
        for booting in list(self._booting.values()):
            if booting.held:
                booting.runner.end_hold(why)

    def abort(self) -> None:
        """Stop now: every phone still booting ends as `fleet.interrupted`."""
        self.stop(stop_reason.INTERRUPTED)
        self._end_phones_in_flight()

    def _end_phones_in_flight(self) -> None:
        for booting in list(self._booting.values()):
            if not booting.future.done():
                booting.future.cancel()

    @property
    def elapsed(self) -> float:
        """Seconds since the first phone could power on (0 before), until the run ended."""
        if self._loop is None or self.started_wall is None:
            return 0.0
        end = self._loop.time() if self._ended is None else self._ended
        return end - self._t0

    def progress(self) -> FleetProgress:
        by_stage = Counter(b.clock.current_stage for b in self._booting.values())
        elapsed = self.elapsed
        return FleetProgress(
            elapsed=elapsed,
            statistics=self.statistics,
            in_flight=len(self._booting),
            by_stage=by_stage,
            arrivals_done=self._arrivals_done,
            stopping=self._stopping,
            hold=self.hold,
        )

    def arrivals(self) -> dict[str, Any]:
        """Target vs achieved arrival rate and the lag behind the schedule."""
        stats = self.statistics
        return arrival_summary(
            stats.started_at,
            stats.scheduled_at,
            rate=self.plan.shape.rate,
            waited_for_capacity=stats.waited_for_capacity,
        )

    # -- running --------------------------------------------------------------------

    async def run(self) -> FleetStatistics:
        loop = self._loop = asyncio.get_running_loop()
        self._all_done = asyncio.Event()
        services = self._services = await self._open_services()
        heap = contextlib.ExitStack()
        try:
            await self._prepare(services.key_pool)
            start_at = self.plan.start_at
            if self._records is not None:
                await self._records.open(lambda: self.statistics.started)
                if self._records.start_on_stdin:
                    start_at = await self._records.start_time()
            heap.enter_context(heap_frozen())
            heap.enter_context(small_tls_read_buffers())
            self.udp_drops.start()
            await self._start_clock(loop, start_at)
            self._watchdog = loop.create_task(self._watch())
            ended = await self._power_on_phones()
            self._arrivals_done = True
            if ended is not None:
                self.stop(ended)
            if self._booting:
                await self._all_done.wait()
        except BaseException:
            # Cancelled from outside (or a bug): the phones still booting are accounted
            # for as interrupted, and the run says it was cut short.
            self.stop(stop_reason.INTERRUPTED)
            raise
        finally:
            self._arrivals_done = True
            if self._ended is None and self.started_wall is not None:
                self._ended = loop.time()
            if self._watchdog is not None:
                self._watchdog.cancel()
            self._end_phones_in_flight()
            self.udp_drops.stop()
            self.loop_lag.stop()
            self.leases.release_all(services.dhcp.send, random.Random(self.plan.seed))
            services.dhcp.close()
            if self._resolver is not None:
                self._resolver.close()
            await services.web.aclose()
            if self._csv is not None:
                self._csv.close()
            if self._records is not None:
                await self._records.close(
                    self.statistics.started,
                    stopped=self.stop_reason,
                    elapsed=self.elapsed,
                    # The slice's warm-up figures: the master sums them over the slices.
                    warm=None if self.plan.warm is None else self.plan.warm.summary(),
                )
            heap.close()
        return self.statistics

    async def _start_clock(self, loop: asyncio.AbstractEventLoop, start_at: float | None) -> None:
        """The schedule's zero: now, or the shared `start_at` of a sliced fleet, on which
        every slice's start times are then read (one oversleep would offset them all)."""
        if start_at is not None:
            await asyncio.sleep(max(0.0, start_at - time.time()))
            self._t0 = loop.time() - (time.time() - start_at)
            self.started_wall = start_at
        else:
            self._t0 = loop.time()
            self.started_wall = time.time()
        self.loop_lag.start(self._t0)

    async def _open_services(self) -> PhoneServices:
        network = self.network
        first = next(iter(self.plan.profiles.values()))
        try:
            dhcp = await open_dhcp_transport(
                DhcpPlacement(
                    server=network.dhcp_server,
                    local=network.local_dhcp,
                    phone_address=network.address,
                    phone_mac=None,
                    interface=interface_facts(network.interface) if network.interface else None,
                    giaddr=network.giaddr,
                )
            )
        except OSError as error:
            where = network.interface or f"{network.local_dhcp[0] or '*'}:{network.local_dhcp[1]}"
            raise FleetSetupError(
                f"cannot open the phones' DHCP socket on {where}: {error.strerror or error}"
            ) from None
        resolver: Resolver = _NO_DNS
        if self.plan.final_stage not in DHCP_ONLY:  # a DHCP storm asks DHCP only: no DNS socket
            shared = SharedResolver(network.dns_server[0], network.dns_server[1], first.dns.timeout)
            try:
                await shared.open()
            except OSError as error:
                dhcp.close()
                host, port = network.dns_server
                raise FleetSetupError(
                    f"cannot reach the DNS server {host}:{port}: {error.strerror or error}"
                ) from None
            resolver = self._resolver = shared
        return PhoneServices(
            dhcp=dhcp,
            resolver=resolver,
            key_pool=KeyPool(first.certificate.key_type, size=max(1, self.plan.key_pool)),
            port_map=dict(network.port_map),
            web=WebClientPool(),
            cache_store=None if self.plan.warm is None else self.plan.warm.store,
        )

    async def _prepare(self, pool: KeyPool) -> None:
        """Key pairs are made, and the libraries the phones use loaded, before the clock
        starts: neither then shows as latency, and the first phones' power-on does not
        stall the arrival schedule (scapy alone takes a few hundred milliseconds)."""
        await asyncio.to_thread(load_phone_libraries, self.plan.final_stage)
        if self.plan.final_stage in (
            Stage.CERTPROV,
            Stage.REGISTRAR,
            Stage.TLSDSK,
            Stage.PROVISIONING,
        ):
            await asyncio.to_thread(lambda: [pool.take() for _ in range(pool.size)])

    async def _power_on_phones(self) -> str | None:
        """Power phones on as the load shape says; the reason arrivals ended by plan
        (`completed`, `duration`), or None when a stop cut them short."""
        assert self._loop is not None
        shape = self.plan.shape
        limit = shape.concurrency
        capacity = self._capacity = asyncio.Semaphore(limit) if limit else None
        held_since = self._loop.time()
        for identity in self.plan.identities:
            if self._stopping:
                return None
            ended = shape.end_of_arrivals(identity.index)
            if ended is not None:
                return ended
            # Each phone's time is fixed by the schedule (t0 + its offset), never by when
            # the one before it got going: a late start does not push the rest back.
            scheduled = shape.start_offset(identity.index)
            now = self._loop.time()
            delay = self._t0 + scheduled - now
            if delay > 0:
                await asyncio.sleep(delay)
                held_since = self._loop.time()
            elif now - held_since > _ARRIVALS_HOLD_LOOP:
                # Phones due at once (--rate max, or a late schedule) would otherwise
                # power on back to back while every answer waits unread, and the wait
                # would show as server latency.
                await asyncio.sleep(0)
                held_since = self._loop.time()
            waited = capacity is not None and capacity.locked()
            if capacity is not None:
                await capacity.acquire()
            if self._stopping:
                if capacity is not None:
                    capacity.release()
                return None
            self._power_on(identity, capacity, scheduled, waited)
        # Identities are sized to the plan: running out is the plan's own end.
        return stop_reason.COMPLETED if shape.phones is not None else stop_reason.DURATION

    async def _watch(self) -> None:
        """Every second, end the phones that have booted longer than the plan allows (a
        safety net against a driver bug: the phones keep their own time)."""
        assert self._loop is not None
        while True:
            await asyncio.sleep(1.0)
            oldest = self._loop.time() - self._t0 - self.plan.boot_limit
            for booting in list(self._booting.values()):
                if booting.started < oldest and not booting.held:
                    booting.runner.stall()

    def _power_on(
        self,
        identity: FleetIdentity,
        capacity: asyncio.Semaphore | None,
        scheduled: float,
        waited: bool,
    ) -> None:
        assert self._loop is not None and self._services is not None
        plan = self.plan
        profile = plan.profiles[identity.profile]
        cache, cache_policy, kind = (
            (None, _FLEET_CACHE, COLD) if plan.warm is None else plan.warm.start(identity)
        )
        phone = make_phone(
            profile,
            PhoneIdentity(
                mac=identity.mac,
                sign_in_as=identity.sign_in_as,
                pin=Pin(identity.pin),
            ),
            phone_settings(self.network, plan.phones_bring_up),
            rng=CompactRandom(plan.seed * 1_000_003 + identity.index),
            wall_clock=time.time(),
            cache=cache,
            cache_policy=cache_policy,
            final_stage=plan.final_stage,
            supplied_trust=plan.supplied_trust,
            hold=plan.hold,
            bringup=plan.phones_bring_up,
        )
        clock = StageClock()
        hold = self.hold
        booting = _Booting(self, identity, clock, capacity)
        booting.kind = kind
        # One watchdog for the fleet instead of a timer per phone (see _watch).
        runner = booting.runner = PhoneRunner(
            phone,
            self._services,
            on_trace=booting.observe_warm
            if kind != COLD
            else clock.observe
            if hold is None
            else booting.observe,
            boot_limit=None,
            on_keep_alive=None if hold is None else hold.kept_alive,
        )
        started = booting.started = self._loop.time() - self._t0
        booting.scheduled, booting.waited = scheduled, waited
        if self._records is not None:
            self._records.phone_started(identity.index)
        self.statistics.phone_started(started, scheduled=scheduled, waited=waited)
        if self.warm is not None:
            self.warm.started(kind)
        booting.future = runner.start(then=booting.finished)
        self._booting[identity.index] = booting

    def _observe(self, booting: _Booting, trace: Trace) -> None:
        """A held fleet's phone traced: the clock reads it; a hold's start is the fleet's."""
        booting.clock.observe(trace)
        if trace.stage != _HELD:
            return
        assert self.hold is not None
        self.hold.saw(trace.event)
        if trace.event == _HELD_BEGAN and self._booting.get(booting.identity.index) is booting:
            self._now_held(booting)

    def _now_held(self, booting: _Booting) -> None:
        assert self._loop is not None and self.hold is not None
        booting.held = True
        self.hold.began(self._loop.time() - self._t0)
        if self._capacity is not None:
            self._capacity.release()
        if self._ending_holds is not None:
            # Not from inside the phone's own step: the runner calls back into it.
            self._loop.call_soon(booting.runner.end_hold, self._ending_holds)

    def _finished(self, booting: _Booting, capacity: asyncio.Semaphore | None) -> None:
        assert self._loop is not None and self._all_done is not None
        self._booting.pop(booting.identity.index, None)
        if capacity is not None and not booting.held:
            capacity.release()
        ended = self._loop.time() - self._t0
        outcome, detail = _outcome_of(booting.future)
        clock = booting.clock
        if outcome in _FLEET_ENDINGS:  # the phone's own trace never said it ended
            clock.close(ended - booting.started, _FLEET_ENDINGS[outcome], outcome, detail)
        if booting.held and self.hold is not None:
            self.hold.finished(
                ended, outcome, clock, cut=outcome in _FLEET_ENDINGS, held=_held_of(booting.future)
            )
        elif self.hold is not None:
            self.hold.never_held(ended)
        identity = booting.identity
        self.leases.keep(identity.mac, booting.runner.phone.lease)
        self.statistics.phone_finished(
            ended,
            outcome,
            clock,
            ext=identity.sign_in_as,
            mac=identity.mac,
            profile=identity.profile,
            started=booting.started,
        )
        kind = WARM_PIN if booting.fell_back is not None else booting.kind
        if self.warm is not None:
            self.warm.finished(kind, outcome, clock, booting.fell_back)
        if self._csv is not None:
            self._csv.write(
                PhoneRecord(
                    identity=identity,
                    started=booting.started,
                    ended=ended,
                    outcome=outcome,
                    stage=clock.current_stage,
                    detail=detail,
                    samples=[
                        *clock.samples,
                        *((f.stage, f.seconds) for f in clock.failures),
                    ],
                    warm=kind,
                )
            )
        if self._records is not None:
            self._records.phone(
                phone_frame(
                    index=identity.index,
                    profile=identity.profile,
                    mac=identity.mac,
                    sign_in_as=identity.sign_in_as,
                    started=booting.started,
                    scheduled=booting.scheduled,
                    waited=booting.waited,
                    ended=ended,
                    outcome=outcome,
                    detail=detail,
                    clock=clock,
                    warm=None if self.warm is None else kind,
                    fell_back=booting.fell_back,
                )
            )
        failures = self.plan.max_failures
        if failures is not None and not self._arrivals_done and self.statistics.failed >= failures:
            self.stop(stop_reason.max_failures(failures))
        if self._arrivals_done and not self._booting:
            self._all_done.set()


_HELD = Stage.HELD.value
_HELD_BEGAN = HELD_BEGAN.name
"""Compared as plain text: the held fleet's observer sees every trace."""

_ARRIVALS_HOLD_LOOP = 0.005
"""Seconds the arrival loop may power phones on before it lets answers be read."""


def _server_sockets(network: Network, final_stage: str) -> dict[str, tuple[str, int]]:
    servers = {"dhcp": network.dhcp_server}
    if final_stage in DHCP_ONLY:
        return servers
    servers["dns"] = network.dns_server
    if 123 in network.port_map:  # a lab: its time server is where its DNS is
        servers["time"] = (network.dns_server[0], network.port_map[123])
    return servers


_FLEET_ENDINGS = {
    INTERRUPTED: stage_clock.INTERRUPTED,
    STALLED: stage_clock.TIMED_OUT,
    DRIVER_ERROR: stage_clock.FAILED,
}


def _held_of(future: asyncio.Future[Outcome]) -> dict[str, Any] | None:
    """What a held phone's hold did, as the phone said when it ended (None if the fleet
    ended it)."""
    if future.cancelled() or future.exception() is not None:
        return None
    outcome = future.result()
    if isinstance(outcome, Success):
        return outcome.held
    return outcome.evidence if "held_for" in outcome.evidence else None


def _outcome_of(future: asyncio.Future[Outcome]) -> tuple[str, str]:
    """The phone's stable outcome name, and a line of detail for a failure."""
    if future.cancelled():
        return INTERRUPTED, "the fleet was stopped while this phone booted"
    error = future.exception()
    if isinstance(error, BootStalled):
        return STALLED, str(error)
    if error is not None:
        return DRIVER_ERROR, f"{type(error).__name__}: {error}"
    outcome = future.result()
    if isinstance(outcome, Failure):
        return outcome.reason, outcome.message
    return "success", ""
