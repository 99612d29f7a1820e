"""Drives one phone core on asyncio: carries out its commands, feeds back events.

The loop is the aioquic pattern: execute commands, wait for the next event or
the core's next deadline, pass it in with the current time, repeat until the
core has an outcome. Nothing here decides anything about the phone.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from phonesim.codec.certificate import summarize_certificate
from phonesim.core.commands import (
    Command,
    ConnectRegistrar,
    FetchMetadata,
    FetchRootChain,
    PersistCache,
    QueryTime,
    RequestCertificate,
    RequestWebTicket,
    ResolveAddress,
    ResolveSrv,
    SendDhcp,
    StopDhcp,
    Trace,
    TrustRootChain,
)
from phonesim.core.events import (
    CertificateAnswered,
    DhcpReceived,
    Event,
    MetadataFetched,
    RootChainFetched,
    WebTicketAnswered,
)
from phonesim.core.failure import ServiceFailure
from phonesim.core.outcome import Outcome
from phonesim.core.phone import Phone
from phonesim.drivers.address_book import AddressBook
from phonesim.drivers.cache_store import DiscoveryCacheStore
from phonesim.drivers.certificate_request import KeyPool, build_csr
from phonesim.drivers.dhcp_endpoint import DhcpClientEndpoint
from phonesim.drivers.dns_client import PhoneResolver
from phonesim.drivers.sip_client import register
from phonesim.drivers.time_client import query_time
from phonesim.drivers.trust import trust_context
from phonesim.errors import PhonesimError, WebServiceFailure


class BootStalled(PhonesimError):
    """The core waits for nothing and has no deadline: a driver lost an answer."""


@dataclass
class PhoneServices:
    """What a phone talks through; a fleet shares these between phones."""

    dhcp: DhcpClientEndpoint
    resolver: PhoneResolver
    key_pool: KeyPool
    port_map: dict[int, int]
    cache_store: DiscoveryCacheStore | None = None


TraceSink = Callable[[Trace], None]


class PhoneRunner:
    def __init__(
        self,
        phone: Phone,
        services: PhoneServices,
        *,
        on_trace: TraceSink,
        boot_limit: float = 600.0,
    ) -> None:
        self.phone = phone
        self.services = services
        self._on_trace = on_trace
        self._boot_limit = boot_limit
        self._events: asyncio.Queue[Event | BaseException] = asyncio.Queue()
        self._tasks: set[asyncio.Task[None]] = set()
        self._chain: list[bytes] = []
        self._tls: ssl.SSLContext | None = None
        self._xid: int | None = None
        self.address_book = AddressBook(services.port_map)
        profile = phone.profile
        self._web = _lazy_web_client(
            self.address_book, profile.device.user_agent, profile.web.timeout
        )

    async def run(self) -> Outcome:
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            self._execute(self.phone.start(loop.time()))
            while self.phone.outcome is None:
                deadline = self.phone.next_deadline()
                now = loop.time()
                if now - started > self._boot_limit:
                    raise BootStalled(f"boot still running after {self._boot_limit:g} s")
                if deadline is None and not self._tasks and self._events.empty():
                    raise BootStalled("the phone waits for an answer nobody will send")
                timeout = None if deadline is None else max(0.0, deadline - now)
                try:
                    item = await asyncio.wait_for(self._events.get(), timeout)
                except TimeoutError:
                    self._execute(self.phone.handle_timer(loop.time()))
                    continue
                if isinstance(item, BaseException):
                    raise item
                self._execute(self.phone.handle(item, loop.time()))
            assert self.phone.outcome is not None
            return self.phone.outcome
        finally:
            await self._close()

    async def _close(self) -> None:
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._xid is not None:
            self.services.dhcp.forget(self._xid)
        await self._web.aclose()

    # ---------------------------------------------------------------- commands

    def _execute(self, commands: list[Command]) -> None:
        for command in commands:
            self._execute_one(command)

    def _execute_one(self, command: Command) -> None:
        profile = self.phone.profile
        if isinstance(command, Trace):
            self._on_trace(command)
        elif isinstance(command, SendDhcp):
            if self._xid != command.xid:
                if self._xid is not None:
                    self.services.dhcp.forget(self._xid)
                self._xid = command.xid
                self.services.dhcp.listen(command.xid, self._dhcp_answer)
            self.services.dhcp.send(command.payload)
        elif isinstance(command, StopDhcp):
            if self._xid is not None:
                self.services.dhcp.forget(self._xid)
                self._xid = None
        elif isinstance(command, ResolveSrv):
            self._spawn(self.services.resolver.srv(command.name))
        elif isinstance(command, ResolveAddress):
            self._spawn(self._resolve_address(command.host))
        elif isinstance(command, QueryTime):
            self._spawn(
                query_time(
                    command.server,
                    command.address,
                    self.address_book.real_port(command.port),
                    profile.time.timeout,
                )
            )
        elif isinstance(command, FetchRootChain):
            self._spawn(self._fetch_root_chain(command.url))
        elif isinstance(command, TrustRootChain):
            self._web.trust(self._chain)
            self._tls = trust_context(self._chain)
        elif isinstance(command, FetchMetadata):
            self._spawn(self._fetch_metadata(command.url))
        elif isinstance(command, RequestWebTicket):
            self._spawn(self._request_web_ticket(command))
        elif isinstance(command, RequestCertificate):
            self._spawn(self._request_certificate(command))
        elif isinstance(command, ConnectRegistrar):
            self._spawn(
                register(
                    command,
                    real_port=self.address_book.real_port(command.port),
                    trust=self._tls,
                    user_agent=profile.device.user_agent,
                    timeout=profile.sip.timeout,
                )
            )
        elif isinstance(command, PersistCache):
            if self.services.cache_store is not None:
                self.services.cache_store.save(self.phone.identity.mac, command.cache)
        else:  # pragma: no cover - a new command without a driver is a bug
            raise TypeError(f"no driver for {command!r}")

    def _dhcp_answer(self, payload: bytes, source: str) -> None:
        self._events.put_nowait(DhcpReceived(payload, source))

    def _spawn(self, work: Awaitable[Event]) -> None:
        async def carry() -> None:
            try:
                self._events.put_nowait(await work)
            except asyncio.CancelledError:
                raise
            except BaseException as error:  # a driver bug: stop the boot loudly
                self._events.put_nowait(error)

        task = asyncio.get_running_loop().create_task(carry())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ------------------------------------------------------------ I/O steps

    async def _resolve_address(self, host: str) -> Event:
        answer = await self.services.resolver.address(host)
        for address in answer.addresses[:1]:
            self.address_book.learn(host, address)
        return answer

    async def _fetch_root_chain(self, url: str) -> Event:
        try:
            chain = await self._web.fetch_root_chain(url)
            summaries = tuple(summarize_certificate(der) for der in chain)
        except WebServiceFailure as failure:
            return RootChainFetched(url, failure=_service_failure(failure))
        except PhonesimError as error:
            return RootChainFetched(url, failure=ServiceFailure("malformed", str(error)))
        self._chain = list(chain)
        return RootChainFetched(url, certificates=summaries)

    async def _fetch_metadata(self, url: str) -> Event:
        try:
            metadata = await self._web.fetch_metadata(url)
        except WebServiceFailure as failure:
            return MetadataFetched(url, failure=_service_failure(failure))
        return MetadataFetched(url, ports=dict(metadata.ports), issuers=dict(metadata.issuers))

    async def _request_web_ticket(self, command: RequestWebTicket) -> Event:
        try:
            ticket = await self._web.request_web_ticket(
                command.address,
                applies_to=command.applies_to,
                username=command.username,
                pin=command.pin,
            )
        except WebServiceFailure as failure:
            return WebTicketAnswered(command.address, failure=_service_failure(failure))
        return WebTicketAnswered(
            command.address,
            sip_uri=ticket.sip_uri,
            expires_unix=ticket.expires.timestamp(),
            ticket=ticket,
        )

    async def _request_certificate(self, command: RequestCertificate) -> Event:
        # Key generation is CPU work; off the loop so the lab (often in this loop) keeps answering.
        key = await asyncio.to_thread(self.services.key_pool.take)
        csr = build_csr(key, entity=command.entity)
        try:
            der = await self._web.get_and_publish_cert(
                command.address,
                ticket=command.ticket,
                entity=command.entity,
                device_id=command.device_id,
                csr_der=csr,
                request_id=command.request_id,
            )
            summary = summarize_certificate(der)
        except WebServiceFailure as failure:
            return CertificateAnswered(command.address, failure=_service_failure(failure))
        except PhonesimError as error:
            return CertificateAnswered(
                command.address, failure=ServiceFailure("malformed", str(error))
            )
        return CertificateAnswered(command.address, certificate=summary)


def _service_failure(failure: WebServiceFailure) -> ServiceFailure:
    diagnostics = failure.diagnostics
    return ServiceFailure(
        kind=failure.kind,
        detail=failure.detail,
        http_status=failure.http_status,
        error_id=None if diagnostics is None else diagnostics.error_id,
        reason=None if diagnostics is None else diagnostics.reason,
        presented=failure.presented,
    )


def _lazy_web_client(address_book: AddressBook, user_agent: str, timeout: float):  # type: ignore[no-untyped-def]
    from phonesim.drivers.web_services import WebServicesClient

    return WebServicesClient(address_book=address_book, user_agent=user_agent, timeout=timeout)
