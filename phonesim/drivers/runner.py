"""Drives one phone core on asyncio: carries out its commands, feeds back events.

The aioquic pattern, driven by callbacks: an answer (a DHCP datagram, a finished
DNS or web request) or the core's timer calls straight into the core with the
current time, and the commands that come back are carried out at once. No
coroutine waits per phone, so a fleet of thousands costs their small states,
not thousands of sleeping tasks. Nothing here decides anything about the phone:
not even how long to wait for an answer. The core's deadline covers every
request, and when it passes the core says `Abandon`; the timeout a command
carries is used only to let go of a socket.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from phonesim.core.commands import (
    Abandon,
    Command,
    ConnectRegistrar,
    FetchMetadata,
    FetchRootChain,
    JoinVlan,
    KeepAlive,
    ListenLldp,
    PersistCache,
    QueryTime,
    RequestCertificate,
    RequestWebTicket,
    ResolveAddress,
    ResolveSrv,
    SendDhcp,
    SendSipMessage,
    StopDhcp,
    StopLldp,
    TakeLease,
    Trace,
    TrustRootChain,
)
from phonesim.core.events import AddressResolved, DhcpReceived, Event, SrvResolved
from phonesim.core.outcome import Outcome
from phonesim.core.phone import Phone
from phonesim.drivers import web_steps
from phonesim.drivers.address_book import CURRENT_ADDRESS_BOOK, AddressBook
from phonesim.drivers.bringup_link import BringUpLink, RecordedLink
from phonesim.drivers.cache_store import DiscoveryCacheStore
from phonesim.drivers.certificate_request import KeyPool
from phonesim.drivers.dhcp_endpoint import DhcpClientEndpoint
from phonesim.drivers.sip_client import SipConnection, register, sip_failed, sip_limits
from phonesim.drivers.time_client import query_time
from phonesim.drivers.web_bounds import WebLimits
from phonesim.drivers.web_client_pool import WebClientPool
from phonesim.errors import PhonesimError

if TYPE_CHECKING:
    from phonesim.drivers.web_services import WebServicesClient


class BootStalled(PhonesimError):
    """A boot still running past a safety limit, or a core with nothing to wait for: a bug,
    since the core owns a deadline for everything it waits for."""


class Resolver(Protocol):
    """The phone's DNS: PhoneResolver for one phone, SharedResolver for a fleet. `timeout`
    frees the query's socket; the phone itself decides when it stops waiting."""

    async def srv(self, name: str, timeout: float | None = None) -> SrvResolved: ...

    async def address(self, host: str, timeout: float | None = None) -> AddressResolved: ...


@dataclass
class PhoneServices:
    """What a phone talks through; a fleet shares these between phones."""

    dhcp: DhcpClientEndpoint
    resolver: Resolver
    key_pool: KeyPool
    port_map: dict[int, int]
    cache_store: DiscoveryCacheStore | None = None
    web: WebClientPool = field(default_factory=WebClientPool)
    link: BringUpLink = field(default_factory=RecordedLink)
    """The link under the phone for its bring-up (LLDP-MED, the VLAN, the lease)."""


TraceSink = Callable[[Trace], None]
DoneCallback = Callable[["asyncio.Future[Outcome]"], None]
KeepAliveSink = Callable[[float], None]
"""Told of each CRLF keep-alive written: seconds from the phone's deadline to the write."""


class PhoneRunner:
    __slots__ = (
        "_boot_limit",
        "_chain",
        "_done",
        "_due",
        "_loop",
        "_mac",
        "_on_keep_alive",
        "_on_trace",
        "_sip",
        "_tasks",
        "_then",
        "_timer",
        "_trusted",
        "_xid",
        "address_book",
        "phone",
        "services",
    )

    def __init__(
        self,
        phone: Phone,
        services: PhoneServices,
        *,
        on_trace: TraceSink,
        boot_limit: float | None = 600.0,
        on_keep_alive: KeepAliveSink | None = None,
    ) -> None:
        self.phone = phone
        self.services = services
        self._on_trace = on_trace
        self._on_keep_alive = on_keep_alive
        self._due = 0.0
        """The deadline the timer that is being handled was set for."""
        self._boot_limit = boot_limit
        """A safety net only: the core's own deadlines end every boot well before."""
        self._tasks: dict[int, asyncio.Task[Event]] = {}
        """The work under way for each command still open, by the command's identity."""
        self._sip: dict[tuple[str, str, int], SipConnection] = {}
        """The registrar connections kept open after a TLS-DSK challenge."""
        self._chain: list[bytes] = []
        self._trusted: tuple[bytes, ...] = ()
        self._xid: int | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._done: asyncio.Future[Outcome] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._then: DoneCallback | None = None
        self.address_book = AddressBook(services.port_map)
        self._mac = phone.identity.mac

    async def run(self) -> Outcome:
        return await self.start()

    def start(self, then: DoneCallback | None = None) -> asyncio.Future[Outcome]:
        """Power the phone on; the future holds its outcome (or the driver's error).

        A fleet waits on these futures with callbacks instead of a task per phone;
        `then` is called with the future once the runner has closed what the phone
        opened. A held phone keeps its future's callbacks for its whole hold: one
        callback, a method, costs less than a closure or a second callback.
        """
        loop = self._loop = asyncio.get_running_loop()
        done = self._done = loop.create_future()
        if self._boot_limit is not None:
            limit = loop.call_later(self._boot_limit, self.stall)
            done.add_done_callback(lambda _: limit.cancel())
        self._then = then
        done.add_done_callback(self._closed)
        self._step(lambda now: self.phone.start(now))
        return done

    # ------------------------------------------------------------------ the loop

    def _step(self, call: Callable[[float], list[Command]]) -> None:
        """Call into the core at the current time and carry out what it asks."""
        assert self._loop is not None and self._done is not None
        if self._done.done():
            return
        try:
            self._execute(call(self._loop.time()))
        except BaseException as error:  # a driver or core bug: stop the boot loudly
            self._abort(error)
            return
        outcome = self.phone.outcome
        if outcome is not None:
            self._done.set_result(outcome)
            return
        self._arm_timer()
        if self._timer is None:
            self._abort(BootStalled("the phone boots without a deadline: it waits for nothing"))

    def _arm_timer(self) -> None:
        assert self._loop is not None
        deadline = self.phone.next_deadline()
        if self._timer is not None:
            if deadline is not None and self._timer.when() == deadline:
                return
            self._timer.cancel()
            self._timer = None
        if deadline is not None:
            self._timer = self._loop.call_at(deadline, self._on_timer)

    def _on_timer(self) -> None:
        if self._timer is not None:
            self._due = self._timer.when()
        self._timer = None
        self._step(self.phone.handle_timer)

    def _feed(self, event: Event) -> None:
        self._step(lambda now: self.phone.handle(event, now))

    def end_hold(self, why: str = "Ctrl-C") -> bool:
        """Cut a hold short (`why`: what cut it, Ctrl-C by default): the phone signs out as
        soon as its connection is free. False when the phone is not held (still booting, or
        done)."""
        if not self.phone.holding:
            return False
        self._step(lambda now: self.phone.end_hold(now, why))
        return True

    def stall(self) -> None:
        """End the boot as stalled: it ran past its limit (a fleet's watchdog calls this
        for phones started without a timer of their own)."""
        self._abort(BootStalled(f"boot still running after {self._boot_limit or 0:g} s"))

    def _abort(self, error: BaseException) -> None:
        if self._done is not None and not self._done.done():
            self._done.set_exception(error)

    def _closed(self, done: asyncio.Future[Outcome]) -> None:
        # The callback is dropped once called: a fleet's is a method of the record that
        # holds this runner, and the cycle would leave every finished phone's objects to
        # the garbage collector's passes instead of freeing them at once.
        then, self._then = self._then, None
        try:
            self._close()
        finally:
            if then is not None:
                then(done)

    def _close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for task in self._tasks.values():
            task.cancel()
        self._tasks.clear()
        for connection in self._sip.values():
            connection.close()
        self._sip.clear()
        if self._xid is not None:
            self.services.dhcp.forget(self._xid, self._mac)
            self._xid = None

    # ---------------------------------------------------------------- commands

    def _execute(self, commands: list[Command]) -> None:
        for command in commands:
            self._execute_one(command)

    def _execute_one(self, command: Command) -> None:
        if isinstance(command, Trace):
            self._on_trace(command)
        elif isinstance(command, SendDhcp):
            if self._xid != command.xid:
                if self._xid is not None:
                    self.services.dhcp.forget(self._xid, self._mac)
                self._xid = command.xid
                self.services.dhcp.listen(command.xid, self._dhcp_answer, self._mac)
            self.services.dhcp.send(command.payload)
        elif isinstance(command, StopDhcp):
            if self._xid is not None:
                self.services.dhcp.forget(self._xid, self._mac)
                self._xid = None
        elif isinstance(command, ListenLldp):
            self.services.link.listen_lldp(command.timeout, self._feed)
        elif isinstance(command, StopLldp):
            self.services.link.stop_lldp()
        elif isinstance(command, JoinVlan):
            self.services.link.join_vlan(command.vlan_id, command.priority)
        elif isinstance(command, TakeLease):
            self.services.link.take_lease(command)
        elif isinstance(command, ResolveSrv):
            self._spawn(command, self.services.resolver.srv(command.name, command.timeout))
        elif isinstance(command, ResolveAddress):
            self._spawn(command, self._resolve_address(command))
        elif isinstance(command, QueryTime):
            self._spawn(
                command,
                query_time(
                    command.server,
                    command.address,
                    self.address_book.real_port(command.port),
                    command.timeout,
                ),
            )
        elif isinstance(command, FetchRootChain):
            self._spawn(command, self._fetch_root_chain(command))
        elif isinstance(command, TrustRootChain):
            self._trusted = self.services.web.shared_chain(command.supplied or self._chain)
            self._chain = []
        elif isinstance(command, FetchMetadata):
            self._spawn(command, web_steps.fetch_metadata(self._web(command.timeout), command.url))
        elif isinstance(command, RequestWebTicket):
            self._spawn(command, web_steps.request_web_ticket(self._web(command.timeout), command))
        elif isinstance(command, RequestCertificate):
            self._spawn(command, self._request_certificate(command))
        elif isinstance(command, ConnectRegistrar):
            self._spawn(
                command,
                register(
                    command,
                    real_port=self.address_book.real_port(command.port),
                    trust=self.services.web.tls_context(self._trusted) if self._trusted else None,
                    user_agent=self.phone.profile.device.user_agent,
                    timeout=command.timeout,
                    keep=functools.partial(
                        self._keep_sip, (command.host, command.address, command.port)
                    ),
                    limits=sip_limits(self.phone.profile.sip),
                ),
            )
        elif isinstance(command, SendSipMessage):
            connection = self._sip.get((command.host, command.address, command.port))
            if connection is None:
                self._spawn(command, _at_once(sip_failed(command, "connect", "not connected")))
            else:
                self._spawn(command, connection.exchange(command))
        elif isinstance(command, KeepAlive):
            kept = self._sip.get((command.host, command.address, command.port))
            if kept is not None:
                kept.send(command.data)
                # Keep-alives come only from the phone's timer: `_due` is its deadline.
                if self._on_keep_alive is not None and self._loop is not None:
                    self._on_keep_alive(self._loop.time() - self._due)
        elif isinstance(command, Abandon):
            task = self._tasks.pop(id(command.request), None)
            if task is not None:
                task.cancel()
        elif isinstance(command, PersistCache):
            if self.services.cache_store is not None:
                self.services.cache_store.save(self.phone.identity.mac, command.cache)
        else:  # pragma: no cover - a new command without a driver is a bug
            raise TypeError(f"no driver for {command!r}")

    def _keep_sip(self, key: tuple[str, str, int], connection: SipConnection) -> None:
        old = self._sip.pop(key, None)
        if old is not None:
            old.close()
        self._sip[key] = connection

    def _dhcp_answer(self, payload: bytes, source: str) -> None:
        self._feed(DhcpReceived(payload, source))

    def _spawn(self, command: Command, work: Awaitable[Event]) -> None:
        assert self._loop is not None
        task = self._loop.create_task(self._as_phone(work))
        key = id(command)
        self._tasks[key] = task
        task.add_done_callback(lambda done: self._finished(key, done))

    async def _as_phone(self, work: Awaitable[Event]) -> Event:
        # The task runs in a copy of the context: the shared web clients read this
        # phone's address book from it.
        CURRENT_ADDRESS_BOOK.set(self.address_book)
        return await work

    def _finished(self, key: int, task: asyncio.Task[Event]) -> None:
        if self._tasks.get(key) is task:
            del self._tasks[key]
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            self._abort(error)
            return
        self._feed(task.result())

    def _web(self, timeout: float) -> WebServicesClient:
        profile = self.phone.profile
        return self.services.web.client(
            self._trusted,
            user_agent=profile.device.user_agent,
            timeout=timeout,
            limits=WebLimits.of(profile.web),
        )

    # ------------------------------------------------------------ I/O steps

    async def _resolve_address(self, command: ResolveAddress) -> Event:
        answer = await self.services.resolver.address(command.host, command.timeout)
        for address in answer.addresses[:1]:
            self.address_book.learn(command.host, address)
        return answer

    async def _fetch_root_chain(self, command: FetchRootChain) -> Event:
        event, chain = await web_steps.fetch_root_chain(self._web(command.timeout), command.url)
        if event.failure is None:
            self._chain = chain
        return event

    async def _request_certificate(self, command: RequestCertificate) -> Event:
        # Key generation is CPU work; off the loop so the lab (often in this loop) keeps answering.
        # A full pool hands out a key it holds: no thread for that.
        pool = self.services.key_pool
        key = pool.take() if pool.full else await asyncio.to_thread(pool.take)
        return await web_steps.request_certificate(self._web(command.timeout), command, key)


async def _at_once(event: Event) -> Event:
    return event
