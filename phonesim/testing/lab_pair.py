"""One phone core and one lab, paired in memory on a virtual clock.

h11 tests a client against a server with `ConnectionPair`, aioquic with
`client_and_server`: both ends of the protocol, no socket between them. Here
the two ends are the phone core and the embedded lab. The lab is configured by
`configure_lab`, as `EmbeddedLab` configures it for the same scenario, and
answers with its own servers' logic over bytes: `LabDhcpResponder.replies`,
`LabDnsServer.answer`, the time server's replies, `LabWebCore.handle`, the
registrar's `reply`. The bytes go back through the phone's own readers: the DNS
answer reader, the web client (httpx and zeep, over an in-memory transport),
the web steps, the SIP and SNTP answer readers. What the phone reads is what
the lab wrote.

The in-memory network:

* A request reaches the lab `latency` after the phone sends it, and the lab
  answers at that instant, its clock reading that instant; a DHCP server's
  answer comes its own delay later, a slow registrar's its delay later.
* The lab lives at its layout address (DHCP, DNS, NTP 123, HTTP 80, HTTPS 443,
  SIP/TLS 5061). Any other address or port refuses the connection, as on the
  loopback the live lab runs on; a registrar that is down refuses too. After
  the registrar's TLS-DSK challenge the phone's SIP connection stays open, and
  what the phone sends on it reaches the registrar's `reply` (its TLS-DSK end), with
  the host the phone connected to, as SNI tells the live lab (a Director and its home
  pool share the lab's address).
* Silence costs what it costs live: a query the lab drops, or an answer slower
  than the phone waits, is never delivered; the phone's own deadline decides
  (a DNS `timeout` after the profile's DNS timeout, a SIP timeout after the
  SIP one), and what it abandons the pair drops, as the runner cancels it.
  The virtual clock makes a minute of DHCP retries free.
* TLS is a real handshake through memory BIOs (`memory_tls`), verified with the
  trust the phone built from the chain it downloaded, so an untrusted server
  certificate fails with OpenSSL's own words, as live.
* An answer and a phone timer due at the same instant: the answer first.

Everything is fixed by the arguments (seed, start instant, certificate serials
counted from `FIRST_SERIAL`), so two runs give the same trace, byte for byte.
Key pairs stay random (the phone's key pool is shared between pairs to save
its RSA key generation), and no byte of them reaches the trace.

Synchronous, with no event loop: the phone's asynchronous web client is run to
completion step by step, since nothing it awaits is ever pending.
"""

from __future__ import annotations

import asyncio
import functools
import heapq
import io
import itertools
import random
import ssl
from collections.abc import Callable, Coroutine
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar, cast

import dns.message
import dns.name
import dns.rdatatype

from phonesim.codec.certificate import summarize_certificate
from phonesim.codec.dhcp_message import load_packet_library
from phonesim.codec.ntp import build_time_request
from phonesim.core.bringup import bringup_stages
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
from phonesim.core.discovery_cache import CachePolicy, DiscoveryCache
from phonesim.core.events import DhcpReceived, Event, LldpPolicyHeard, SipReceived
from phonesim.core.flow import LAST
from phonesim.core.identity import NO_NETWORK, NetworkSettings, PhoneIdentity, Pin
from phonesim.core.outcome import Outcome
from phonesim.core.phone_factory import make_phone
from phonesim.core.profile import DeviceProfile
from phonesim.core.stage import Stage
from phonesim.core.supplied_trust import SuppliedTrust
from phonesim.drivers import web_steps
from phonesim.drivers.address_book import AddressBook
from phonesim.drivers.certificate_request import KeyPool
from phonesim.drivers.dhcp_interface import DHCP_SERVER_PORT
from phonesim.drivers.shared_resolver import address_resolved, read_response, srv_resolved
from phonesim.drivers.sip_client import (
    connect_failed,
    connection_lost,
    register_message,
    registrar_answer,
    registrar_failed,
    sip_failed,
)
from phonesim.drivers.time_client import time_answer, time_not_answered
from phonesim.drivers.trust import trust_context
from phonesim.drivers.web_bounds import WebLimits
from phonesim.drivers.web_services import WebServicesClient
from phonesim.errors import PhonesimError
from phonesim.lab.capture_responder import CapturedExchange
from phonesim.lab.directory import LabDirectory
from phonesim.lab.lab_plan import NTP_PORT, SIP_PORT
from phonesim.lab.lab_servers import LabServers, configure_lab, scenario_layout
from phonesim.lab.layout import LabLayout
from phonesim.lab.scenario import LabScenario, RegistrarSpec
from phonesim.profiles import load_profile
from phonesim.report.trace_log import TraceLogWriter
from phonesim.testing.lab_transport import LabWebSite, lab_transport, refused
from phonesim.testing.memory_tls import handshake

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
"""When the lab's CA is made and the phone powers on, unless told otherwise."""
SEED = 11
DAY = timedelta(days=1)
"""How long before its fault a warm scenario's phone signed in."""
LATENCY = 0.001
"""Seconds from the phone to the lab: one hop on the lab's segment."""
FIRST_SERIAL = 0x1000
PHONE_SIP_PORT = 5070
"""The phone's side of its SIP connection (live, the kernel picks one)."""

IDENTITY = PhoneIdentity(
    mac="00:04:f2:00:00:01",
    sign_in_as="5551234",
    pin=Pin("13579"),
)
"""Alice's phone (the shipped users.toml) with a fixed MAC (and so a fixed DeviceId)."""

_KEYS: dict[str, KeyPool] = {}

_Result = TypeVar("_Result")


class LabPair:
    """A phone and a lab, wired together in memory; `run()` boots the phone to its outcome.

    The lab is the one `EmbeddedLab(layout, users_file=..., scenario=...,
    dhcp_capture=...)` would start; the phone is the core `phonesim boot --lab` runs,
    with `identity`, `cache`, `cache_policy` and `final_stage` as given.

    Step by step, as h11's tests do: `start()`, then `step()` until it returns False.
    `traces`, `commands` and `stored` say what the phone did; `lab` is the lab's
    servers (their `received`, `counts`...); `deadlines` is `next_deadline()` after
    each step.
    """

    def __init__(
        self,
        scenario: LabScenario | None = None,
        *,
        profile: DeviceProfile | str | None = None,
        identity: PhoneIdentity = IDENTITY,
        seed: int = SEED,
        start: datetime = START,
        cache: DiscoveryCache | None = None,
        cache_policy: CachePolicy | None = None,
        final_stage: str = LAST.value,
        layout: LabLayout | None = None,
        users_file: Path | None = None,
        dhcp_capture: CapturedExchange | None = None,
        latency: float = LATENCY,
        hold: float | None = None,
        supplied_trust: SuppliedTrust | Callable[[LabServers], SuppliedTrust] | None = None,
        bringup: frozenset[Stage] | None = None,
        foreign_certificate: bool = False,
    ) -> None:
        """`supplied_trust`: CA certificates the phone trusts in place of the root chain
        download (`--trust-ca`); a function of the lab when they are the lab's own CA,
        which exists only once the lab is made. `bringup`: the bring-up stages the phone
        plays; None plays the profile's when the scenario has a site DHCP server or a
        switch that speaks LLDP-MED, none otherwise. `foreign_certificate`: hand the phone
        the cache's certificate although this lab never issued it (a pool whose CA changed)."""
        load_packet_library()
        self.scenario = scenario or LabScenario.healthy()
        self.layout = scenario_layout(self.scenario, layout)
        # The scenario's own profile when it needs one (a firmware's rule), else the CX600.
        profile = profile or self.scenario.profile or "polycom-cx600"
        self.profile = _stock_profile(profile) if isinstance(profile, str) else profile
        if cache is None and self.scenario.warm_cache:
            cache = signed_in_before(self.scenario, self.profile, identity, seed, start)
        self.start_instant = start
        self.latency = latency
        self.now = 0.0
        """Seconds since power-on, on the virtual clock."""
        self.traces: list[Trace] = []
        self.commands: list[Command] = []
        self.stored: list[DiscoveryCache | None] = []
        """What the phone asked to keep in its flash (PersistCache), in order."""
        self.deadlines: list[tuple[float, float | None]] = []
        """(now, phone.next_deadline()) after every step."""
        self.late_dhcp: list[DhcpReceived] = []
        """DHCP answers that arrived when the phone no longer listened for them."""
        self.lab: LabServers = configure_lab(
            self.layout,
            self.scenario,
            users=LabDirectory.load(users_file, clock=lambda: self.now),
            now=start,
            dhcp_capture=dhcp_capture,
            clock=self.wall,
            serials=itertools.count(FIRST_SERIAL).__next__,
        )
        self._site = LabWebSite(
            self.lab.web.core, address=self.layout.address, tls=self.lab.web.tls_context
        )
        if bringup is None:
            site = self.scenario.enterprise_dhcp is not None or self.scenario.lldp is not None
            bringup = bringup_stages(self.profile) if site else frozenset()
        self.vlan = 0
        """The VLAN the phone's frames are on (JoinVlan): recorded, as the lab has no switch."""
        self.leases: list[TakeLease] = []
        """Every lease the phone took (TakeLease), in order."""
        self._lldp_listening = False
        self.phone = make_phone(
            self.profile,
            identity,
            # A phone that takes its own lease powers on with nothing: no address, no domain.
            NO_NETWORK
            if Stage.LEASE in bringup
            else NetworkSettings(address=self.layout.address, dns_domain=self.layout.domain),
            rng=random.Random(seed),
            wall_clock=start.timestamp(),
            # Each pair's lab is a new pool with a CA of its own: a certificate kept from
            # another pair's lab is one this pool never issued, so the cache comes without it.
            cache=cache
            if cache is None or foreign_certificate
            else replace(cache, credential=None),
            cache_policy=cache_policy,
            final_stage=final_stage,
            hold=hold,
            supplied_trust=supplied_trust(self.lab) if callable(supplied_trust) else supplied_trust,
            bringup=bringup,
        )
        self.book = AddressBook()
        self._queue: list[tuple[float, int, int, int, Callable[[], Event | None]]] = []
        self._order = itertools.count()
        self._exchange = 0
        self._serving = 0
        """The request whose exchange is under way (the id of its command; 0 for DHCP)."""
        self._abandoned: set[int] = set()
        self._query_ids = itertools.count(1)
        self._listening: int | None = None
        self._chain: list[bytes] = []
        self._trusted: tuple[bytes, ...] = ()
        self._clients: dict[tuple[bytes, ...], WebServicesClient] = {}
        self._registrar_checks: dict[tuple[tuple[bytes, ...], str], bytes] = {}
        self._sip_open: set[tuple[str, str, int]] = set()
        """The phone's SIP connections kept open after a TLS-DSK challenge."""
        self._started = False

    # ------------------------------------------------------------------ driving

    def wall(self) -> datetime:
        """The lab's clock: the start instant plus the virtual time gone by."""
        return self.start_instant + timedelta(seconds=self.now)

    @property
    def outcome(self) -> Outcome | None:
        return self.phone.outcome

    def start(self) -> None:
        """Power the phone on."""
        if self._started:
            raise RuntimeError("the phone is already powered on")
        self._started = True
        self._carry_out(self.phone.start(self.now))

    def step(self) -> bool:
        """Let the next thing happen: an answer arrives or the phone's timer fires.

        False when the boot is over, or when nothing is in flight and no timer is set.
        """
        if not self._started:
            self.start()
            return True
        if self.phone.outcome is not None:
            return False
        deadline = self.phone.next_deadline()
        arrival = self._queue[0][0] if self._queue else None
        if arrival is None and deadline is None:
            return False
        if arrival is not None and (deadline is None or arrival <= deadline):
            at, self._exchange, _, self._serving, deliver = heapq.heappop(self._queue)
            if self._serving in self._abandoned:
                return True  # the phone stopped waiting: the connection is gone
            self.now = max(self.now, at)
            event = deliver()
            if event is not None:
                self._carry_out(self.phone.handle(event, self.now))
        else:
            assert deadline is not None
            self.now = max(self.now, deadline)
            self._carry_out(self.phone.handle_timer(self.now))
        return True

    def run(self, *, max_steps: int = 100_000) -> Outcome:
        """Boot to the outcome; the phone's web clients are closed afterwards."""
        try:
            for _ in range(max_steps):
                if not self.step():
                    break
            else:
                raise RuntimeError(f"the boot took more than {max_steps} steps")
        finally:
            self.close()
        if self.phone.outcome is None:
            raise RuntimeError("the phone waits for an answer nobody will send")
        return self.phone.outcome

    def trace_jsonl(self) -> str:
        """The trace as a run folder's trace.jsonl holds it, one JSON object a line."""
        text = io.StringIO()
        writer = TraceLogWriter(text)
        for trace in self.traces:
            writer.write(trace)
        return text.getvalue()

    def close(self) -> None:
        clients, self._clients = self._clients, {}
        for client in clients.values():
            _complete(client.aclose())

    def __enter__(self) -> LabPair:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # ----------------------------------------------------------------- commands

    def _carry_out(self, commands: list[Command]) -> None:
        self.commands += commands
        for command in commands:
            self._carry_out_one(command)
        self.deadlines.append((self.now, self.phone.next_deadline()))

    def _carry_out_one(self, command: Command) -> None:
        if isinstance(command, Trace):
            self.traces.append(command)
        elif isinstance(command, Abandon):
            self._abandoned.add(id(command.request))
        elif isinstance(command, SendDhcp):
            self._listening = command.xid
            self._serving = 0
            vlan = self.vlan  # the frame carries the tag it left with
            self._send(lambda: self._inform_arrives(command, vlan))
        elif isinstance(command, StopDhcp):
            self._listening = None
        elif isinstance(command, ListenLldp):
            self._lldp_listening = True
            spec = self.scenario.lldp
            if spec is not None:
                policy = LldpPolicyHeard(**spec.policy_fields())
                self._after(spec.delay, lambda: policy if self._lldp_listening else None)
        elif isinstance(command, StopLldp):
            self._lldp_listening = False
        elif isinstance(command, JoinVlan):
            self.vlan = command.vlan_id
        elif isinstance(command, TakeLease):
            self.leases.append(command)
        elif isinstance(command, ResolveSrv):
            self._send(lambda: self._ask_dns(command.name, dns.rdatatype.SRV), command)
        elif isinstance(command, ResolveAddress):
            self._send(lambda: self._ask_dns(command.host, dns.rdatatype.A), command)
        elif isinstance(command, QueryTime):
            self._send(lambda: self._ask_time(command), command)
        elif isinstance(command, FetchRootChain):
            self._send(lambda: self._fetch_root_chain(command), command)
        elif isinstance(command, TrustRootChain):
            self._trusted = command.supplied or tuple(self._chain)
        elif isinstance(command, FetchMetadata):
            self._send(
                lambda: _complete(
                    web_steps.fetch_metadata(self._web(command.timeout), command.url)
                ),
                command,
            )
        elif isinstance(command, RequestWebTicket):
            self._send(
                lambda: _complete(
                    web_steps.request_web_ticket(self._web(command.timeout), command)
                ),
                command,
            )
        elif isinstance(command, RequestCertificate):
            self._send(lambda: self._request_certificate(command), command)
        elif isinstance(command, ConnectRegistrar):
            self._send(lambda: self._connect_registrar(command), command)
        elif isinstance(command, SendSipMessage):
            self._send(lambda: self._sip_message(command), command)
        elif isinstance(command, KeepAlive):
            if (command.host, command.address, command.port) in self._sip_open:
                self._send(self.lab.registrar.keep_alive)
        elif isinstance(command, PersistCache):
            self.stored.append(command.cache)
        else:  # pragma: no cover - a new command without a way through the lab is a bug
            raise TypeError(f"the in-memory lab cannot carry out {command!r}")

    def _send(self, deliver: Callable[[], Event | None], command: Command | None = None) -> None:
        """A request leaves the phone now; `deliver` is the lab at its arrival."""
        self._exchange = next(self._order)
        if command is not None:
            self._serving = id(command)
        self._after(self.latency, deliver)

    def _after(self, delay: float, deliver: Callable[[], Event | None]) -> None:
        self._at(self.now + delay, deliver)

    def _at(self, at: float, deliver: Callable[[], Event | None]) -> None:
        # What happens at one instant happens in the order the requests were sent: a
        # DHCP answer sent at once comes before the DNS answer to a later query.
        heapq.heappush(self._queue, (at, self._exchange, next(self._order), self._serving, deliver))

    # --------------------------------------------------------------------- DHCP

    def _inform_arrives(self, command: SendDhcp, vlan: int = 0) -> None:
        source = f"{self.layout.address}:{DHCP_SERVER_PORT}"
        if self.lab.capture_dhcp is not None:
            replies = self.lab.capture_dhcp.replies(command.payload)
        else:
            assert self.lab.dhcp is not None
            replies = self.lab.dhcp.replies(command.payload, vlan=vlan)
        for reply in replies:
            self._after(reply.delay, functools.partial(self._dhcp_answer, reply.payload, source))

    def _dhcp_answer(self, payload: bytes, source: str) -> Event | None:
        # As the phone's DHCP endpoint: an answer goes to the transaction listening for it.
        answer = DhcpReceived(payload, source)
        if self._listening is None or payload[4:8] != self._listening.to_bytes(4, "big"):
            self.late_dhcp.append(answer)
            return None
        return answer

    # ---------------------------------------------------------------------- DNS

    def _ask_dns(self, name: str, rdtype: dns.rdatatype.RdataType) -> Event | None:
        if self.leases and self.layout.address not in self.leases[-1].dns_servers:
            return None  # the phone's lease sent its queries elsewhere: nobody answers
        qname = dns.name.from_text(name)
        query = dns.message.make_query(qname, rdtype)
        query.id = next(self._query_ids) % 0x10000
        wire = self.lab.dns.answer(query.to_wire())
        if wire is None:
            return None  # dropped: the phone gives up when its own time is up
        answer, error = read_response(_read_dns(wire), qname, rdtype)
        event = _dns_event(name, rdtype, answer, error)
        if rdtype == dns.rdatatype.A and answer:
            # As the runner does: the phone's HTTP goes where its first answer points.
            self.book.learn(name, str(answer[0].address))
        return event

    # --------------------------------------------------------------------- time

    def _ask_time(self, command: QueryTime) -> Event | None:
        if command.address != self.layout.address or command.port != NTP_PORT:
            return time_not_answered(command.server, refused(), command.timeout)
        replies = self.lab.time.replies(build_time_request())
        if not replies:
            return None  # a silent server: the phone gives up when its own time is up
        return time_answer(command.server, replies[0].payload)

    # ---------------------------------------------------------------------- web

    def _web(self, timeout: float) -> WebServicesClient:
        """The phone's web client for the chain it trusts now (none before TrustRootChain)."""
        client = self._clients.get(self._trusted)
        if client is None:
            client = WebServicesClient(
                address_book=self.book,
                user_agent=self.profile.device.user_agent,
                timeout=timeout,
                chain=self._trusted,
                transport=lab_transport(self._site),
                limits=WebLimits.of(self.profile.web),
            )
            self._clients[self._trusted] = client
        return client

    def _fetch_root_chain(self, command: FetchRootChain) -> Event:
        event, chain = _complete(
            web_steps.fetch_root_chain(self._web(command.timeout), command.url)
        )
        if event.failure is None:
            self._chain = chain
        return event

    def _request_certificate(self, command: RequestCertificate) -> Event:
        key_type = self.profile.certificate.key_type
        keys = _KEYS.setdefault(key_type, KeyPool(key_type))
        return _complete(
            web_steps.request_certificate(self._web(command.timeout), command, keys.take())
        )

    # ---------------------------------------------------------------- registrar

    def _connect_registrar(self, command: ConnectRegistrar) -> Event | None:
        timeout = command.timeout
        registrar = self.lab.registrar
        use_tls = command.transport == "tls"
        if use_tls and not self._trusted:
            return registrar_failed(command, "tls", "no trusted root chain yet")
        if (
            command.address != self.layout.address
            or command.port != SIP_PORT
            or not self.lab.registrar_up
        ):
            return connect_failed(command, refused(), timeout)
        if not use_tls:
            # The registrar speaks TLS only: it drops a connection that starts in clear.
            return connection_lost(command, asyncio.IncompleteReadError(b"", None))
        try:
            der = self._registrar_certificate(command.host)
            server_certificate = summarize_certificate(der)
        except ssl.SSLError as error:
            return connect_failed(command, error, timeout)
        except PhonesimError as error:
            return registrar_failed(command, "malformed", str(error))
        reply = registrar.reply(
            register_message(
                command,
                local_host=self.layout.address,
                local_port=PHONE_SIP_PORT,
                user_agent=self.profile.device.user_agent,
            ),
            command.host,
        )
        answer = registrar_answer(
            command,
            reply,
            server_certificate,
            local_address=self.layout.address,
            local_port=PHONE_SIP_PORT,
        )
        if answer.status == 401 and (answer.auth_scheme or "").upper() == "TLS-DSK":
            self._sip_open.add((command.host, command.address, command.port))
        return self._answer_after_delay(answer)

    def _sip_message(self, command: SendSipMessage) -> Event | None:
        if (command.host, command.address, command.port) not in self._sip_open:
            return sip_failed(command, "connect", "not connected")
        reply = self.lab.registrar.reply(command.data, command.host)
        return self._answer_after_delay(
            SipReceived(command.host, command.address, command.port, reply)
        )

    def _answer_after_delay(self, answer: Event) -> Event | None:
        """A slow registrar's answer comes its delay later."""
        delay = self.lab.registrar.delay
        if delay > 0:
            self._after(delay, lambda: answer)
            return None
        return answer

    def _registrar_certificate(self, host: str) -> bytes:
        key = (self._trusted, host)
        if key not in self._registrar_checks:
            self._registrar_checks[key] = handshake(
                trust_context(self._trusted), self.lab.registrar.ssl_context, host
            )
        return self._registrar_checks[key]


def signed_in_before(
    scenario: LabScenario,
    profile: DeviceProfile,
    identity: PhoneIdentity,
    seed: int,
    start: datetime,
) -> DiscoveryCache | None:
    """What a phone kept after signing in to the scenario's site a day before, with every
    server up: the same names and the same provisioning, none of the fault."""
    site = LabScenario(
        name=f"{scenario.name} (the day before)",
        summary="the site before its fault",
        web_name=scenario.web_name,
        pool_name=scenario.pool_name,
        registrar=RegistrarSpec(backup_pool=scenario.registrar.backup_pool),
    )
    before = LabPair(site, profile=profile, identity=identity, seed=seed, start=start - DAY)
    before.run()
    return before.stored[-1] if before.stored else None


@functools.lru_cache(maxsize=16)
def _stock_profile(name: str) -> DeviceProfile:
    """A profile by name, read once: profiles are frozen values, and pairs are many."""
    return load_profile(name)


@functools.lru_cache(maxsize=1024)
def _read_dns(wire: bytes) -> dns.message.Message:
    """Parsed once per process, as the fleet's resolver does: pairs ask the same questions
    with the same ids, and only read what they are given."""
    return dns.message.from_wire(wire)


def _dns_event(
    name: str, rdtype: dns.rdatatype.RdataType, answer: list[object] | None, error: str | None
) -> Event:
    if rdtype == dns.rdatatype.SRV:
        return srv_resolved(name, answer, error)
    return address_resolved(name, answer, error)


def _complete(step: Coroutine[object, object, _Result]) -> _Result:
    """Run a step of the phone's asynchronous web client to its end at once.

    Every byte it waits for is already in memory, so it never has to wait: a step
    that suspends all the same is a bug in the pairing, and raises.
    """
    try:
        step.send(None)
    except StopIteration as done:
        return cast("_Result", done.value)
    step.close()
    raise RuntimeError("a web step waited for I/O in the in-memory lab")
