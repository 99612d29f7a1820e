"""A scripted world for driving the phone core directly: virtual clock, no sockets.

`World` answers the core's commands from plain dictionaries; tests change the
dictionaries to stage a fault and read the commands and traces that result.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from phonesim.codec.certificate import CertificateSummary
from phonesim.codec.dhcp_message import build_ack, decode_dhcp_message
from phonesim.codec.ms_uc_client_option import encode_ms_uc_client_option
from phonesim.codec.sip_server_option import encode_sip_server_names
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
    Trace,
)
from phonesim.core.discovery_cache import CachePolicy, DiscoveryCache
from phonesim.core.events import (
    AddressResolved,
    CertificateAnswered,
    DhcpReceived,
    Event,
    MetadataFetched,
    RegistrarAnswered,
    RootChainFetched,
    SrvRecord,
    SrvResolved,
    TimeAnswered,
    WebTicketAnswered,
)
from phonesim.core.failure import ServiceFailure
from phonesim.core.identity import NetworkSettings, PhoneIdentity, Pin
from phonesim.core.phone import Phone
from phonesim.core.profile import DeviceProfile
from phonesim.profiles import load_profile

DOMAIN = "contoso.test"
POOL = "pool01.contoso.test"
WEB = "web01.contoso.test"
CERT_PROV = f"https://{WEB}:443/CertProv/CertProvisioningService.svc"
PIN_DIGITS = "13579"
WALL_CLOCK = datetime(2026, 11, 23, 9, 0, tzinfo=UTC).timestamp()


def summary(subject: str, issuer: str = "CN=Contoso Root CA") -> CertificateSummary:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return CertificateSummary(
        subject=subject,
        issuer=issuer,
        serial="01",
        not_before=start,
        not_after=start + timedelta(days=3650),
        sha1="00" * 20,
        dns_names=(),
    )


def dhcp_ack(
    inform: bytes,
    *,
    server: str = "192.0.2.5",
    registrars: list[str] | None = None,
    web: str | None = WEB,
    extra: list[tuple[int, bytes]] | None = None,
) -> DhcpReceived:
    options: list[tuple[int, bytes]] = []
    if registrars:
        options.append((120, encode_sip_server_names(registrars)))
    if web:
        options.append((43, encode_ms_uc_client_option(web_server_fqdn=web)))
    options += extra or []
    payload = build_ack(request=decode_dhcp_message(inform), server_id=server, options=options)
    return DhcpReceived(payload, f"{server}:67")


@dataclass
class World:
    """Answers for every command; None for a key means "this server is silent / absent"."""

    srv: dict[str, list[SrvRecord]] = field(
        default_factory=lambda: {
            f"_sipinternaltls._tcp.{DOMAIN}": [SrvRecord(POOL, 5061)],
            f"_ntp._udp.{DOMAIN}": [SrvRecord(f"ntp.{DOMAIN}", 123)],
        }
    )
    a: dict[str, list[str]] = field(
        default_factory=lambda: {
            POOL: ["192.0.2.10"],
            WEB: ["192.0.2.20"],
            f"ntp.{DOMAIN}": ["192.0.2.30"],
            "pool02.contoso.test": ["192.0.2.11"],
            "pool03.contoso.test": ["192.0.2.12"],
        }
    )
    time_offset: float = 0.0
    root_chain: ServiceFailure | None = None
    web_ticket: ServiceFailure | None = None
    certificate: ServiceFailure | None = None
    dead_registrars: set[str] = field(default_factory=set)
    registrar_status: int = 401
    seen_pins: list[Pin] = field(default_factory=list)

    def answer(self, command: Command, now: float) -> Event | None:
        if isinstance(command, ResolveSrv):
            records = self.srv.get(command.name)
            return SrvResolved(command.name, tuple(records or ()), None if records else "nxdomain")
        if isinstance(command, ResolveAddress):
            found = self.a.get(command.host)
            return AddressResolved(command.host, tuple(found or ()), None if found else "nxdomain")
        if isinstance(command, QueryTime):
            return TimeAnswered(command.server, WALL_CLOCK + 3600 + self.time_offset)
        if isinstance(command, FetchRootChain):
            if self.root_chain:
                return RootChainFetched(command.url, failure=self.root_chain)
            return RootChainFetched(command.url, certificates=(summary("CN=Contoso Root CA"),))
        if isinstance(command, FetchMetadata):
            if command.url.startswith(CERT_PROV) or "CertProv" in command.url:
                return MetadataFetched(
                    command.url,
                    ports={
                        "CertProvisioningServiceWebTicketProof_SHA1": f"https://{WEB}/CertProv/CertProvisioningService.svc/WebTicket_Proof_SHA1"
                    },
                    issuers={
                        "CertProvisioningServiceWebTicketProof_SHA1_policy": f"https://{WEB}/WebTicket/WebTicketService.svc"
                    },
                )
            return MetadataFetched(
                command.url,
                ports={"WebTicketServicePin": f"https://{WEB}/WebTicket/WebTicketService.svc/Pin"},
            )
        if isinstance(command, RequestWebTicket):
            self.seen_pins.append(command.pin)
            if self.web_ticket:
                return WebTicketAnswered(command.address, failure=self.web_ticket)
            return WebTicketAnswered(
                command.address,
                sip_uri="sip:alice@contoso.test",
                expires_unix=WALL_CLOCK + 28800,
                ticket="T",
            )
        if isinstance(command, RequestCertificate):
            if self.certificate:
                return CertificateAnswered(command.address, failure=self.certificate)
            return CertificateAnswered(
                command.address, certificate=summary("CN=alice@contoso.test")
            )
        if isinstance(command, ConnectRegistrar):
            if command.host in self.dead_registrars or command.address in self.dead_registrars:
                return RegistrarAnswered(
                    command.host,
                    command.address,
                    command.port,
                    failure=ServiceFailure("connect", "Connection refused"),
                )
            return RegistrarAnswered(
                command.host,
                command.address,
                command.port,
                status=self.registrar_status,
                reason_phrase="Unauthorized",
                auth_scheme="TLS-DSK",
                offered_schemes=("NTLM", "Kerberos", "TLS-DSK"),
                sts_uri=CERT_PROV,
            )
        return None


class Boot:
    """A phone plus a virtual clock; every command and trace is kept for assertions."""

    def __init__(
        self,
        *,
        profile: str | DeviceProfile = "polycom-cx600",
        cache: DiscoveryCache | None = None,
        seed: int = 7,
        world: World | None = None,
        final_stage: str = "registrar",
        cache_policy: CachePolicy | None = None,
    ) -> None:
        self.world = world or World()
        self.phone = Phone(
            load_profile(profile) if isinstance(profile, str) else profile,
            PhoneIdentity(
                mac="00:04:f2:00:00:01",
                sign_in_as="5551234",
                pin=Pin(PIN_DIGITS),
            ),
            NetworkSettings(address="192.0.2.100", dns_domain=DOMAIN),
            rng=random.Random(seed),
            wall_clock=WALL_CLOCK,
            cache=cache,
            cache_policy=cache_policy,
            final_stage=final_stage,
        )
        self.now = 1000.0
        self.log: list[Command] = []
        self.pending: list[Command] = []
        self._take(self.phone.start(self.now))

    def _take(self, commands: list[Command]) -> list[Command]:
        self.log += commands
        self.pending += [c for c in commands if not isinstance(c, Trace | SendDhcp | PersistCache)]
        return commands

    # -- driving
    def feed(self, event: Event, after: float = 0.0) -> list[Command]:
        self.now += after
        return self._take(self.phone.handle(event, self.now))

    def tick(self, seconds: float) -> None:
        """Advance the virtual clock, firing every timer on the way."""
        end = self.now + seconds
        while True:
            deadline = self.phone.next_deadline()
            if deadline is None or deadline > end:
                break
            self.now = deadline
            self._take(self.phone.handle_timer(self.now))
        self.now = end

    def settle(self, *, step: float = 0.01, limit: int = 500, timers: bool = True) -> None:
        """Let the world answer every outstanding command, in order, until nothing is left.

        With `timers`, idle time passes too (retransmissions, windows) until the phone waits
        for nothing; without, it stops as soon as the world has nothing left to answer.
        """
        for _ in range(limit):
            if self.phone.outcome is not None:
                return
            if not self.pending:
                deadline = self.phone.next_deadline()
                if deadline is None or not timers:
                    return
                self.tick(deadline - self.now)
                continue
            command = self.pending.pop(0)
            event = self.world.answer(command, self.now)
            if event is not None:
                self.feed(event, after=step)
        raise AssertionError("boot did not settle")

    # -- reading
    @property
    def informs(self) -> list[SendDhcp]:
        return [c for c in self.log if isinstance(c, SendDhcp)]

    def inform_times(self) -> list[float]:
        return [t.t for t in self.traces("inform_sent")]

    def traces(self, event: str | None = None, stage: str | None = None) -> list[Trace]:
        return [
            c
            for c in self.log
            if isinstance(c, Trace)
            and (event is None or c.event == event)
            and (stage is None or c.stage == stage)
        ]

    def trace(self, event: str, stage: str | None = None) -> Trace:
        found = self.traces(event, stage)
        assert found, (
            f"no trace {stage or '*'}.{event}; have {[f'{t.stage}.{t.event}' for t in self.traces()]}"
        )
        return found[0]

    def caches(self) -> list[DiscoveryCache | None]:
        return [c.cache for c in self.log if isinstance(c, PersistCache)]

    def of(self, kind: type) -> list[Any]:
        return [c for c in self.log if isinstance(c, kind)]

    def ack(self, **kwargs: Any) -> DhcpReceived:
        return dhcp_ack(self.informs[-1].payload, **kwargs)
