"""The phone's boot, from power-on to signed in, as an I/O-free state machine.

The driver calls `start(now)`, then `handle(event, now)` for everything that
comes back and `handle_timer(now)` when `next_deadline()` is reached; each call
returns the commands to carry out. Time, randomness and bytes come in from the
driver, so the same boot can run live, in a fleet, or replayed from a capture
with a virtual clock.

Contract with drivers: every command that asks something of the network
(ResolveSrv, ResolveAddress, QueryTime, Fetch*, Request*, ConnectRegistrar) is
answered by exactly one event, success or failure, within the timeout the
profile gives. DHCP answers are unsolicited and may come at any time while the
phone listens (until StopDhcp).
"""

from __future__ import annotations

import functools
import ipaddress
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from phonesim.codec.dhcp_message import (
    BOOTREPLY,
    DHCPACK,
    OPTION_SIP_SERVERS,
    OPTION_VENDOR_SPECIFIC,
    decode_dhcp_message,
)
from phonesim.codec.inform_template import inform_template
from phonesim.codec.ms_uc_client_option import UcClientVendorOption
from phonesim.codec.ocauthws.diagnostics import WEB_TICKET_REFUSALS
from phonesim.codec.sip_server_option import SipServerOption
from phonesim.core import flow
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
from phonesim.core.discovery_cache import CachePolicy, DiscoveryCache, RegistrarTarget
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
from phonesim.core.identity import NetworkSettings, PhoneIdentity, RandomSource
from phonesim.core.outcome import Failure, Outcome, Success
from phonesim.core.profile import DeviceProfile
from phonesim.core.stage import Stage
from phonesim.errors import PhonesimError, UnsupportedEncoding

STOP_STAGES = tuple(str(stage) for stage in flow.STOP_AFTER)
"""The stages a boot can be asked to stop after, as `phonesim.core.flow` lists them."""
FINAL_STAGES = STOP_STAGES

Continuation = Callable[[float], None]


class DhcpAnswer:
    """One decoded DHCPACK and what the phone made of it."""

    __slots__ = ("error", "ntp_servers", "registrars", "server", "uc_option", "url")

    def __init__(self, server: str) -> None:
        self.server = server
        self.registrars: tuple[str, ...] = ()
        self.url: str | None = None
        self.uc_option: UcClientVendorOption | None = None
        self.ntp_servers: tuple[str, ...] = ()
        self.error: str | None = None

    @property
    def has_fqdn(self) -> bool:
        return bool(self.registrars)


class Phone:
    """One virtual phone. Small on purpose: a fleet holds thousands of these."""

    __slots__ = (
        "_addresses",
        "_attempt",
        "_cache",
        "_cache_abandoned",
        "_cache_policy",
        "_candidate",
        "_cert_prov_auth",
        "_dhcp_concluded",
        "_dns_done",
        "_dns_registrars",
        "_final_stage",
        "_host_names",
        "_inform",
        "_listen_until",
        "_listening",
        "_mono_at",
        "_next_send",
        "_ntp_hosts",
        "_ntp_plan",
        "_ntp_ports",
        "_on_resolved",
        "_on_srv",
        "_out",
        "_registrar_source",
        "_registrars",
        "_rng",
        "_srv_names",
        "_stage",
        "_t0",
        "_ticket",
        "_using_cache",
        "_waiting_for_dns",
        "_wall_at",
        "_web_source",
        "_winner",
        "_without_fqdn",
        "_xid",
        "identity",
        "network",
        "outcome",
        "profile",
        "sip_uri",
        "web_url",
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
        final_stage: str = "registrar",
    ) -> None:
        stop = flow.stop_stage(final_stage)
        self.profile = profile
        self.identity = identity
        self.network = network
        self._rng = rng
        self._cache = cache
        self._cache_policy = cache_policy or CachePolicy.device()
        self._final_stage = stop
        self.outcome: Outcome | None = None

        self._t0 = 0.0
        self._out: list[Command] = []
        # The phone's own idea of wall-clock time: set at power-on, corrected by NTP.
        self._wall_at = wall_clock
        self._mono_at = 0.0

        self._using_cache = False
        self._cache_abandoned = False
        self._stage = "boot"

        # DHCP
        self._xid = 0
        self._inform = b""
        self._attempt = 0
        self._next_send: float | None = None
        self._listen_until: float | None = None
        self._listening = False
        self._dhcp_concluded = False
        self._winner: DhcpAnswer | None = None
        self._without_fqdn: DhcpAnswer | None = None

        # DNS registrar discovery, run beside DHCP
        self._srv_names: list[str] = []
        self._host_names: list[str] = []
        self._dns_done = False
        self._dns_registrars: list[RegistrarTarget] = []
        self._waiting_for_dns = False

        self._addresses: dict[str, tuple[str, ...]] = {}
        self._on_resolved: dict[str, list[Continuation]] = {}
        self._on_srv: dict[str, Callable[[float, SrvResolved], None]] = {}

        # Sign-in
        self.web_url: str | None = None
        self._web_source = ""
        self._registrars: list[RegistrarTarget] = []
        self._registrar_source = ""
        self._ntp_plan: list[tuple[str, str]] = []
        self._ntp_hosts: list[str] = []
        self._ntp_ports: dict[str, int] = {}
        self._cert_prov_auth: str | None = None
        self._ticket: object = None
        self.sip_uri: str | None = None
        self._candidate = 0

    # ------------------------------------------------------------------ API

    def start(self, now: float) -> list[Command]:
        self._t0 = now
        self._mono_at = now
        device = self.profile.device
        self._trace(
            now,
            "boot",
            "power_on",
            profile=self.profile.name,
            model=f"{device.vendor} {device.model}",
            firmware=device.firmware,
            mac=self.identity.mac,
            address=self.network.address,
            domain=self.network.dns_domain,
        )
        cache = self._cache
        policy = self._cache_policy
        if cache is not None and policy.read and cache.usable:
            self._using_cache = True
            self._trace(
                now,
                "discovery",
                "cache_used",
                **cache.describe(),
                note="DHCPINFORM and DNS discovery skipped: values from the discovery cache",
            )
            self.web_url = cache.web_url
            self._web_source = "cache"
            self._registrars = list(cache.registrars)
            self._registrar_source = "cache"
            for target in cache.registrars:
                if target.address:
                    self._addresses.setdefault(target.host.lower(), (target.address,))
            self._begin_time(now)
        else:
            if cache is not None and not policy.read:
                # What is held still matters: it is what a phone that signed in
                # before would use instead of the discovery this boot runs.
                self._trace(
                    now,
                    "discovery",
                    "cache_ignored",
                    why=policy.why or "asked to rediscover",
                    **cache.describe(),
                )
            elif not policy.read and policy.announce:
                self._trace(
                    now, "discovery", "fresh_phone", why=policy.why or "asked to rediscover"
                )
            self._begin_discovery(now)
        return self._flush()

    def handle(self, event: Event, now: float) -> list[Command]:
        if self.outcome is not None:
            return []
        if isinstance(event, DhcpReceived):
            self._on_dhcp(event, now)
        elif isinstance(event, SrvResolved):
            self._on_srv_resolved(event, now)
        elif isinstance(event, AddressResolved):
            self._on_address(event, now)
        elif isinstance(event, TimeAnswered):
            self._on_time(event, now)
        elif isinstance(event, RootChainFetched):
            self._on_root_chain(event, now)
        elif isinstance(event, MetadataFetched):
            self._on_metadata(event, now)
        elif isinstance(event, WebTicketAnswered):
            self._on_web_ticket(event, now)
        elif isinstance(event, CertificateAnswered):
            self._on_certificate(event, now)
        elif isinstance(event, RegistrarAnswered):
            self._on_registrar(event, now)
        return self._flush()

    def next_deadline(self) -> float | None:
        if self.outcome is not None or not self._listening:
            return None
        deadlines = [d for d in (self._next_send, self._listen_until) if d is not None]
        return min(deadlines) if deadlines else None

    def handle_timer(self, now: float) -> list[Command]:
        if self.outcome is not None or not self._listening:
            return self._flush()
        if self._next_send is not None and now >= self._next_send:
            self._retransmit_or_give_up(now)
        if self._listening and self._listen_until is not None and now >= self._listen_until:
            self._stop_listening(now)
            if not self._dhcp_concluded:
                self._conclude_dhcp(now)
        return self._flush()

    def wall_time(self, now: float) -> float:
        """The phone's clock (unix seconds) at monotonic `now`."""
        return self._wall_at + (now - self._mono_at)

    # ------------------------------------------------------------ plumbing

    def _flush(self) -> list[Command]:
        out, self._out = self._out, []
        return out

    def _trace(
        self, now: float, stage: str, event: str, level: str = "info", **fields: Any
    ) -> None:
        self._out.append(Trace(round(now - self._t0, 6), stage, event, fields, level))

    def _finish(self, outcome: Outcome, now: float) -> None:
        if self.outcome is not None:
            return
        self.outcome = outcome
        if self._listening:
            self._stop_listening(now)
        if isinstance(outcome, Success):
            fields: dict[str, Any] = {
                "web_url": outcome.web_url,
                "registrar": outcome.registrar,
                "sip_uri": outcome.sip_uri,
            }
            if outcome.stage == flow.LAST:
                # Where the phone's own work ends today: the TLS-DSK handshake that
                # would authenticate it, the 200 OK and provisioning are not run.
                event = "challenge_reached"
            else:
                event = "stopped_as_asked"
                fields["not_begun"] = [str(s) for s in flow.not_begun(self._final_stage)]
                fields["discovery_cache_used"] = self._using_cache
            self._trace(now, outcome.stage, event, **fields)
        else:
            self._trace(
                now,
                outcome.stage,
                "failed",
                "error",
                reason=outcome.reason,
                message=outcome.message,
                **outcome.evidence,
            )

    def _fail(self, now: float, stage: str, cause: str, message: str, **evidence: Any) -> None:
        registrar = (
            self._registrars[self._candidate].label()
            if self._registrars[self._candidate :]
            else None
        )
        self._finish(
            Failure(
                t=round(now - self._t0, 6),
                stage=stage,
                reason=f"{stage}.{cause}",
                message=message,
                evidence=evidence,
                web_url=self.web_url,
                registrar=registrar,
            ),
            now,
        )

    def _step_failed(
        self, now: float, stage: str, cause: str, message: str, **evidence: Any
    ) -> None:
        """A sign-in step failed: with cached values, forget them and discover afresh (once)."""
        if self._using_cache and not self._cache_abandoned:
            self._cache_abandoned = True
            self._using_cache = False
            self._trace(
                now,
                "discovery",
                "cache_discarded",
                "warning",
                failed_stage=stage,
                cause=f"{stage}.{cause}",
                note="cached servers did not work; asking DHCP and DNS again",
            )
            self._reset_sign_in()
            self._begin_discovery(now)
            return
        self._fail(now, stage, cause, message, **evidence)

    def _reset_sign_in(self) -> None:
        self.web_url = None
        self._registrars = []
        self._candidate = 0
        self._cert_prov_auth = None
        self._ticket = None
        self.sip_uri = None
        self._addresses.clear()
        self._on_resolved.clear()
        self._on_srv.clear()

    def _enter(self, stage: str, now: float) -> bool:
        """Begin `stage`, or stop before it when the boot was asked to stop earlier.

        Every stage from `time` on sends its first request only after this
        returns True, so a boot asked to stop after an earlier stage never sends
        it, whichever way (DHCP, DNS or the discovery cache) the phone got there.
        A boot stopping after `dhcp` or `discovery` that did discover ends where
        that stage's own outcome is decided (`_conclude_dhcp`, `_decide`): a
        DHCP storm's phone that got no FQDN is a failure, not a stop.
        """
        if flow.begins(Stage(stage), self._final_stage):
            return True
        self._finish(
            Success(
                t=round(now - self._t0, 6),
                web_url=self.web_url or "",
                registrar=",".join(r.label() for r in self._registrars),
                sip_uri=self.sip_uri,
                stage=str(self._final_stage),
            ),
            now,
        )
        return False

    @property
    def _dhcp_alone(self) -> bool:
        return flow.within(Stage.DISCOVERY, self._final_stage) is Stage.DHCP

    def _random_hex(self, bits: int) -> str:
        return f"{self._rng.getrandbits(bits):0{bits // 4}x}"

    def _random_uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    # ---------------------------------------------------------- resolution

    def _resolve(self, host: str, now: float, then: Continuation) -> None:
        """Make sure the phone knows an address for `host`, then continue."""
        key = host.lower().rstrip(".")
        if _is_ip(key) or key in self._addresses:
            then(now)
            return
        waiting = self._on_resolved.setdefault(key, [])
        waiting.append(then)
        if len(waiting) == 1:
            self._trace(now, "dns", "query", name=key, type="A")
            self._out.append(ResolveAddress(key))

    def address_of(self, host: str) -> str | None:
        key = host.lower().rstrip(".")
        if _is_ip(key):
            return key
        found = self._addresses.get(key)
        return found[0] if found else None

    def _on_address(self, event: AddressResolved, now: float) -> None:
        key = event.host.lower().rstrip(".")
        if event.addresses:
            self._addresses[key] = tuple(event.addresses)
            self._trace(now, "dns", "answer", name=key, type="A", addresses=list(event.addresses))
        else:
            self._trace(now, "dns", "no_answer", "warning", name=key, type="A", error=event.error)
        for then in self._on_resolved.pop(key, []):
            if self.outcome is None:
                then(now)

    # --------------------------------------------------------------- DHCP

    def _begin_discovery(self, now: float) -> None:
        self._stage = "dhcp"
        dhcp = self.profile.dhcp
        self._xid = self._rng.getrandbits(32)
        self._attempt = 0
        self._winner = None
        self._without_fqdn = None
        self._dhcp_concluded = False
        self._listen_until = None
        # Byte for byte what build_inform makes, without building it per phone.
        self._inform = inform_template(
            vendor_class=dhcp.vendor_class,
            parameter_request_list=dhcp.parameter_request_list,
            max_message_size=dhcp.max_message_size,
        ).for_phone(self._xid, self.identity.mac, self.network.address)
        self._listening = True
        self._send_inform(now)
        if not self._dhcp_alone:
            self._begin_dns(now)

    def _send_inform(self, now: float) -> None:
        dhcp = self.profile.dhcp
        self._out.append(SendDhcp(self._inform, self._xid))
        wait = dhcp.retransmit_after[self._attempt]
        if dhcp.retransmit_jitter:
            wait += (self._rng.random() * 2 - 1) * dhcp.retransmit_jitter
        wait = max(wait, 0.1)
        self._next_send = now + wait
        self._trace(
            now,
            "dhcp",
            "inform_sent",
            xid=f"0x{self._xid:08x}",
            attempt=self._attempt + 1,
            vendor_class=dhcp.vendor_class,
            requested=list(dhcp.parameter_request_list),
            next_wait=round(wait, 3),
        )

    def _retransmit_or_give_up(self, now: float) -> None:
        if self._attempt + 1 < len(self.profile.dhcp.retransmit_after):
            self._attempt += 1
            self._send_inform(now)
            return
        self._next_send = None
        self._trace(
            now,
            "dhcp",
            "gave_up",
            "warning",
            attempts=self._attempt + 1,
            note="no DHCP answer; carrying on with DNS",
        )
        self._stop_listening(now)
        self._conclude_dhcp(now)

    def _stop_listening(self, now: float) -> None:
        self._listening = False
        self._next_send = None
        self._listen_until = None
        self._out.append(StopDhcp())

    def _on_dhcp(self, event: DhcpReceived, now: float) -> None:
        if not self._listening:
            return
        try:
            message = decode_dhcp_message(event.payload)
        except PhonesimError as error:
            self._trace(
                now, "dhcp", "answer_malformed", "warning", server=event.source, error=str(error)
            )
            return
        if message.xid != self._xid or message.op != BOOTREPLY:
            self._trace(
                now, "dhcp", "answer_not_ours", server=event.source, xid=f"0x{message.xid:08x}"
            )
            return
        if message.message_type != DHCPACK:
            self._trace(
                now,
                "dhcp",
                "answer_ignored",
                server=event.source,
                message_type=message.message_type,
                why="not a DHCPACK",
            )
            return
        answer = DhcpAnswer(message.server_id or event.source)
        fields: dict[str, Any] = {"server": answer.server, "source": event.source}
        try:
            sip_servers: SipServerOption | None = message.sip_server()
        except PhonesimError as error:
            sip_servers = None
            answer.error = str(error)
            fields["option_120_error"] = str(error)
            raw_120 = message.options.get(OPTION_SIP_SERVERS) or b""
            fields["option_120_hex"] = raw_120.hex()
            if isinstance(error, UnsupportedEncoding):
                fields["option_120_encoding"] = error.encoding
        if sip_servers is not None:
            answer.registrars = sip_servers.servers[: self.profile.dhcp.max_registrars]
            fields["option_120"] = {
                "encoding": sip_servers.encoding,
                "servers": list(sip_servers.servers),
                "missing_terminator": sip_servers.missing_terminator,
                "compressed": sip_servers.compressed,
            }
        else:
            fields.setdefault("option_120", None)
        try:
            uc_option = message.uc_client_vendor()
        except PhonesimError as error:
            uc_option = None
            fields["option_43_error"] = str(error)
        partial_url = None
        if uc_option is not None:
            answer.uc_option = uc_option
            answer.url = uc_option.url
            fields["option_43"] = _describe_uc_option(uc_option)
            fields["option_43"]["length"] = len(message.options.get(OPTION_VENDOR_SPECIFIC) or b"")
            if answer.url is None and self.profile.web.use_truncated_option_43:
                partial_url = answer.url = uc_option.partial_url
        else:
            fields.setdefault("option_43", None)
        try:
            answer.ntp_servers = message.ntp_servers
        except PhonesimError:
            answer.ntp_servers = ()
        if answer.ntp_servers:
            fields["option_42"] = list(answer.ntp_servers)
        fields["vendor_class"] = message.vendor_class
        self._trace(now, "dhcp", "answer", **fields)
        if partial_url is not None:
            self._trace(
                now,
                "dhcp",
                "option_43_truncated_used",
                "warning",
                server=answer.server,
                url=partial_url,
                note="option 43 ends inside the CertProv path; the phone uses what arrived",
            )
        self._next_send = None  # any answer stops retransmission

        if self._winner is not None:
            self._trace(
                now,
                "dhcp",
                "answer_ignored",
                server=answer.server,
                why=f"the answer from {self._winner.server} with an FQDN already won",
            )
            return
        if answer.has_fqdn:
            self._winner = answer
            self._trace(
                now,
                "dhcp",
                "answer_won",
                server=answer.server,
                registrars=list(answer.registrars),
                web_url=answer.url,
                why="first DHCP answer carrying an FQDN",
            )
            self._cache_dhcp_answer(answer, now)
            # Keep listening a little: later answers are recorded (and ignored).
            self._listen_until = now + self.profile.dhcp.answer_window
            self._conclude_dhcp(now)
            return
        if self._without_fqdn is None:
            self._without_fqdn = answer
        self._trace(
            now,
            "dhcp",
            "answer_without_fqdn",
            "warning",
            server=answer.server,
            note="waiting for an answer that carries an FQDN",
            window=self.profile.dhcp.answer_window,
        )
        if self._listen_until is None:
            self._listen_until = now + self.profile.dhcp.answer_window

    def _cache_dhcp_answer(self, answer: DhcpAnswer, now: float) -> None:
        cache = DiscoveryCache(
            source="dhcp",
            web_url=answer.url,
            registrars=tuple(
                RegistrarTarget(host=name, port=self.profile.sip.port) for name in answer.registrars
            ),
            stored_at=self.wall_time(now),
            dhcp_server=answer.server,
        )
        self._keep(cache, now)

    def _keep(self, cache: DiscoveryCache, now: float) -> None:
        """The phone writes its flash; whether the state folder keeps it is the policy's say."""
        policy = self._cache_policy
        if policy.write:
            self._out.append(PersistCache(cache))
        fields: dict[str, Any] = {
            "source": cache.source,
            "web_url": cache.web_url,
            "registrars": [r.label() for r in cache.registrars],
            "persisted": policy.write,
        }
        if not policy.write:
            fields["why"] = policy.why
        self._trace(now, "discovery", "cache_stored", **fields)

    def _conclude_dhcp(self, now: float) -> None:
        self._dhcp_concluded = True
        chosen = self._winner or self._without_fqdn
        if self._dhcp_alone:
            if self._winner is not None:
                self._finish(
                    Success(
                        t=round(now - self._t0, 6),
                        web_url=self._winner.url or "",
                        registrar=",".join(self._winner.registrars),
                        sip_uri=None,
                        stage="dhcp",
                    ),
                    now,
                )
            elif chosen is not None:
                self._fail(
                    now, "dhcp", "no_fqdn", "DHCP answered without option 120 (no registrar FQDN)"
                )
            else:
                self._fail(now, "dhcp", "timeout", "no DHCP server answered the DHCPINFORM")
            return
        self._decide(now)

    # ---------------------------------------------------------------- DNS

    def _begin_dns(self, now: float) -> None:
        domain = self.network.dns_domain.strip(".")
        self._srv_names = [f"{srv}.{domain}" for srv in self.profile.dns.registrar_srv]
        self._host_names = [f"{host}.{domain}" for host in self.profile.dns.registrar_hosts]
        self._dns_done = False
        self._dns_registrars = []
        self._next_registrar_lookup(now)

    def _query_srv(self, name: str, now: float, then: Callable[[float, SrvResolved], None]) -> None:
        self._on_srv[name] = then
        self._trace(now, "dns", "query", name=name, type="SRV")
        self._out.append(ResolveSrv(name))

    def _next_registrar_lookup(self, now: float) -> None:
        if self._srv_names:
            self._query_srv(self._srv_names.pop(0), now, self._on_registrar_srv)
            return
        if self._host_names:
            host = self._host_names.pop(0)
            self._resolve(host, now, functools.partial(self._on_registrar_host, host))
            return
        self._dns_finished(now)

    def _on_srv_resolved(self, event: SrvResolved, now: float) -> None:
        if event.records:
            self._trace(
                now,
                "dns",
                "answer",
                name=event.name,
                type="SRV",
                records=[f"{r.priority} {r.weight} {r.port} {r.target}" for r in event.records],
            )
        else:
            self._trace(
                now, "dns", "no_answer", "warning", name=event.name, type="SRV", error=event.error
            )
        then = self._on_srv.pop(event.name, None)
        if then is not None:
            then(now, event)

    def _on_registrar_srv(self, now: float, event: SrvResolved) -> None:
        if not event.records:
            self._next_registrar_lookup(now)
            return
        service, protocol = event.name.split(".")[:2]
        transport = "tls" if "tls" in service or protocol == "_tls" else "tcp"
        ordered = sorted(event.records, key=lambda r: (r.priority, -r.weight))
        if self.profile.dns.strict_srv_target:
            ordered = self._in_domain_targets(event.name, ordered, now)
            if not ordered:
                self._next_registrar_lookup(now)
                return
        self._dns_registrars = [
            RegistrarTarget(host=r.target.rstrip("."), port=r.port, transport=transport)
            for r in ordered
        ]
        self._dns_finished(now, source=event.name)

    def _in_domain_targets(
        self, name: str, records: list[SrvRecord], now: float
    ) -> list[SrvRecord]:
        """Strict DNS naming: an SRV target outside the domain looked up is not trusted."""
        domain = self.network.dns_domain.strip(".").lower()
        kept = []
        for record in records:
            target = record.target.rstrip(".").lower()
            if target == domain or target.endswith("." + domain):
                kept.append(record)
                continue
            self._trace(
                now,
                "dns",
                "srv_target_rejected",
                "warning",
                name=name,
                target=target,
                domain=domain,
                why=f"strict DNS naming: the SRV target must be in {domain}",
            )
        return kept

    def _on_registrar_host(self, host: str, now: float) -> None:
        address = self.address_of(host)
        if address is None:
            self._next_registrar_lookup(now)
            return
        self._dns_registrars = [
            RegistrarTarget(host=host, port=self.profile.sip.port, transport="tls", address=address)
        ]
        self._dns_finished(now, source=host)

    def _dns_finished(self, now: float, source: str | None = None) -> None:
        self._dns_done = True
        self._trace(
            now,
            "dns",
            "registrar_lookup_done",
            found=[r.label() for r in self._dns_registrars],
            source=source,
        )
        if self._waiting_for_dns:
            self._waiting_for_dns = False
            self._decide(now)

    # ---------------------------------------------------------- decision

    def _decide(self, now: float) -> None:
        """Combine DHCP and DNS per the seed rules into one web URL and a registrar list."""
        if self.outcome is not None or self._stage not in ("dhcp",):
            return
        chosen = self._winner or self._without_fqdn
        dhcp_url = chosen.url if chosen is not None else None
        dhcp_registrars = [
            RegistrarTarget(host=name, port=self.profile.sip.port, transport="tls")
            for name in (self._winner.registrars if self._winner else ())
        ]
        need_dns = not dhcp_registrars or not dhcp_url or self.profile.dns.dns_after_dhcp_registrars
        if need_dns and not self._dns_done:
            self._waiting_for_dns = True
            self._trace(
                now, "discovery", "waiting_for_dns", why=_missing_text(dhcp_url, dhcp_registrars)
            )
            return
        self._stage = "discovery"

        if dhcp_registrars:
            registrars = list(dhcp_registrars)
            registrar_source = "dhcp option 120"
            if self.profile.dns.dns_after_dhcp_registrars:
                registrars += [r for r in self._dns_registrars if r not in registrars]
                registrar_source += " then dns"
        else:
            registrars = list(self._dns_registrars)
            registrar_source = "dns" if registrars else "none"

        if dhcp_url:
            web_url: str | None = dhcp_url
            web_source = "dhcp option 43"
        else:
            # No usable option 43: the web services are taken to live on the registrar pool
            # (DHCPUtil defaults the web FQDN to the SIP server), found through DNS first.
            base = self._dns_registrars[0].host if self._dns_registrars else None
            web_source = "derived from the DNS registrar"
            if base is None and dhcp_registrars:
                base = dhcp_registrars[0].host
                web_source = "derived from the option 120 registrar"
            web_url = (
                f"https://{base}:443{self.profile.web.fallback_cert_prov_path}" if base else None
            )
            if chosen is not None and chosen.uc_option is not None:
                web_source += " (option 43 present but unusable)"

        self.web_url = web_url
        self._web_source = web_source
        self._registrars = registrars
        self._registrar_source = registrar_source
        self._trace(
            now,
            "discovery",
            "decided",
            web_url=web_url,
            web_source=web_source,
            registrars=[r.label() for r in registrars],
            registrar_source=registrar_source,
        )
        if web_url is None:
            self._fail(
                now,
                "discovery",
                "no_servers" if not registrars else "no_web_services",
                "neither DHCP nor DNS gave the web services URL or a registrar",
                dhcp_answers=_count_answers(self._winner, self._without_fqdn),
            )
            return
        if not flow.begins(flow.FOLLOWS[Stage.DISCOVERY] or flow.LAST, self._final_stage):
            self._finish(
                Success(
                    t=round(now - self._t0, 6),
                    web_url=web_url,
                    registrar=",".join(r.label() for r in registrars),
                    sip_uri=None,
                    stage="discovery",
                ),
                now,
            )
            return
        self._begin_time(now)

    # --------------------------------------------------------------- time

    def _begin_time(self, now: float) -> None:
        if not self._enter("time", now):
            return
        self._stage = "time"
        self._ntp_plan = []
        if self._winner is not None:
            self._ntp_plan = [(ip, ip) for ip in self._winner.ntp_servers]
        if self._ntp_plan:
            self._next_time_server(now)
            return
        name = f"{self.profile.dns.ntp_srv}.{self.network.dns_domain.strip('.')}"
        self._query_srv(name, now, self._on_ntp_srv)

    def _on_ntp_srv(self, now: float, event: SrvResolved) -> None:
        records = sorted(event.records, key=lambda r: (r.priority, -r.weight))
        targets = [r.target.rstrip(".") for r in records] or [self.profile.dns.ntp_fallback_host]
        self._ntp_ports = {r.target.rstrip("."): r.port for r in records}
        self._ntp_hosts = targets
        self._next_time_host(now)

    def _next_time_host(self, now: float) -> None:
        if not self._ntp_hosts:
            self._time_unsynchronized(now)
            return
        host = self._ntp_hosts.pop(0)

        def resolved(t: float) -> None:
            address = self.address_of(host)
            if address is None:
                self._next_time_host(t)
                return
            port = self._ntp_ports.get(host, self.profile.time.ntp_port)
            self._query_time(host, address, port, t)

        self._resolve(host, now, resolved)

    def _next_time_server(self, now: float) -> None:
        if not self._ntp_plan:
            self._time_unsynchronized(now)
            return
        name, address = self._ntp_plan.pop(0)
        self._query_time(name, address, self.profile.time.ntp_port, now)

    def _query_time(self, name: str, address: str, port: int, now: float) -> None:
        self._trace(now, "time", "query", server=name, address=address, port=port)
        self._out.append(QueryTime(name, address, port))

    def _on_time(self, event: TimeAnswered, now: float) -> None:
        if event.unix_time is None:
            self._trace(now, "time", "no_answer", "warning", server=event.server, error=event.error)
            if self._ntp_plan:
                self._next_time_server(now)
            else:
                self._next_time_host(now)
            return
        offset = event.unix_time - self.wall_time(now)
        self._wall_at = event.unix_time
        self._mono_at = now
        self._trace(now, "time", "synchronized", server=event.server, offset=round(offset, 3))
        self._begin_root_chain(now)

    def _time_unsynchronized(self, now: float) -> None:
        self._trace(
            now,
            "time",
            "unsynchronized",
            "warning",
            note="no time server answered; keeping the phone's clock",
        )
        self._begin_root_chain(now)

    # --------------------------------------------------------- root chain

    def _begin_root_chain(self, now: float) -> None:
        if not self._enter("rootchain", now):
            return
        self._stage = "rootchain"
        assert self.web_url is not None
        host = urlsplit(self.web_url).hostname or ""

        def resolved(t: float) -> None:
            if self.address_of(host) is None:
                self._step_failed(
                    t,
                    "rootchain",
                    "web_host_unresolved",
                    f"the web services host {host} does not resolve",
                    host=host,
                )
                return
            url = f"http://{host}{self.profile.web.root_chain_path}"
            self._trace(t, "rootchain", "request", url=url)
            self._out.append(FetchRootChain(url))

        self._resolve(host, now, resolved)

    def _on_root_chain(self, event: RootChainFetched, now: float) -> None:
        if event.failure is not None:
            self._service_failed(now, "rootchain", event.url, event.failure)
            return
        phone_time = self.wall_time(now)
        certificates = [
            {
                "subject": c.subject,
                "issuer": c.issuer,
                "not_before": c.not_before.isoformat(),
                "not_after": c.not_after.isoformat(),
                "valid_on_phone_clock": c.is_valid_at(_utc(phone_time)),
            }
            for c in event.certificates
        ]
        self._trace(now, "rootchain", "received", url=event.url, certificates=certificates)
        if not event.certificates:
            self._step_failed(
                now, "rootchain", "empty", "the root chain download held no certificate"
            )
            return
        invalid = next((c for c in certificates if not c["valid_on_phone_clock"]), None)
        if invalid is not None:
            # The phone checks validity against its own clock: a wrong clock
            # makes every certificate of the pool look unusable.
            self._step_failed(
                now,
                "rootchain",
                "not_valid_on_phone_clock",
                f"the root certificate {invalid['subject']} is not valid at the phone's time "
                f"{_utc(phone_time).isoformat(timespec='seconds')}",
                subject=invalid["subject"],
                not_before=invalid["not_before"],
                not_after=invalid["not_after"],
                phone_time=_utc(phone_time).isoformat(timespec="seconds"),
            )
            return
        self._out.append(TrustRootChain())
        self._begin_cert_prov_metadata(now)

    # -------------------------------------------------------- web ticket

    def _begin_cert_prov_metadata(self, now: float) -> None:
        # The CertProvisioningService's metadata names the Web Ticket service the
        # PIN goes to: fetching it is the first step of getting a ticket.
        if not self._enter("webticket", now):
            return
        self._stage = "certprov"
        assert self.web_url is not None
        url = self.web_url.rstrip("/") + "/mex"
        self._trace(now, "certprov", "metadata_request", url=url)
        self._out.append(FetchMetadata(url))

    def _on_metadata(self, event: MetadataFetched, now: float) -> None:
        if self._stage == "certprov":
            if event.failure is not None:
                self._service_failed(now, "certprov", event.url, event.failure)
                return
            port = self.profile.web.cert_prov_port
            self._cert_prov_auth = event.ports.get(port)
            issuer = event.issuers.get(f"{port}_policy")
            self._trace(
                now,
                "certprov",
                "metadata",
                url=event.url,
                ports=sorted(event.ports),
                auth_address=self._cert_prov_auth,
                web_ticket_service=issuer,
            )
            if self._cert_prov_auth is None or issuer is None:
                self._step_failed(
                    now,
                    "certprov",
                    "metadata_incomplete",
                    f"the CertProvisioningService metadata lacks port {port} or its web ticket issuer",
                    url=event.url,
                )
                return
            self._stage = "webticket"
            url = issuer.rstrip("/") + "/mex"
            self._trace(now, "webticket", "metadata_request", url=url)
            self._out.append(FetchMetadata(url))
            return
        if self._stage != "webticket":
            return
        if event.failure is not None:
            self._service_failed(now, "webticket", event.url, event.failure)
            return
        port = self.profile.web.web_ticket_port
        address = event.ports.get(port)
        self._trace(
            now,
            "webticket",
            "metadata",
            url=event.url,
            ports=sorted(event.ports),
            pin_address=address,
        )
        if address is None:
            self._fail(
                now,
                "webticket",
                "no_pin_endpoint",
                f"the Web Ticket service offers no {port} endpoint for PIN sign-in",
                url=event.url,
                ports=sorted(event.ports),
            )
            return
        assert self._cert_prov_auth is not None
        self._trace(now, "webticket", "request", address=address, username=self.identity.sign_in_as)
        self._out.append(
            RequestWebTicket(
                address=address,
                applies_to=self._cert_prov_auth,
                username=self.identity.sign_in_as,
                pin=self.identity.pin,
            )
        )

    def _on_web_ticket(self, event: WebTicketAnswered, now: float) -> None:
        if event.failure is not None:
            failure = event.failure
            if failure.kind == "fault":
                cause = WEB_TICKET_REFUSALS.get(failure.error_id or 0, "pin_rejected")
                self._fail(
                    now,
                    "webticket",
                    cause,
                    f"the Web Ticket service refused {self.identity.sign_in_as}: "
                    f"{failure.reason or failure.detail}",
                    address=event.address,
                    error_id=failure.error_id,
                    server_reason=failure.reason,
                    http_status=failure.http_status,
                )
                return
            self._service_failed(now, "webticket", event.address, failure)
            return
        self._ticket = event.ticket
        self.sip_uri = event.sip_uri
        self._trace(
            now,
            "webticket",
            "issued",
            sip_uri=event.sip_uri,
            expires=None if event.expires_unix is None else _utc(event.expires_unix).isoformat(),
        )
        self._begin_certificate(now)

    # -------------------------------------------------------- certificate

    def _begin_certificate(self, now: float) -> None:
        if not self._enter("certprov", now):
            return
        self._stage = "certprov"
        assert self._cert_prov_auth is not None
        entity = (self.sip_uri or "").removeprefix("sip:")
        request_id = self._random_uuid()
        self._trace(
            now,
            "certprov",
            "request",
            address=self._cert_prov_auth,
            entity=entity,
            device_id=self.identity.device_id,
            request_id=request_id,
        )
        self._out.append(
            RequestCertificate(
                address=self._cert_prov_auth,
                ticket=self._ticket,
                entity=entity,
                device_id=self.identity.device_id,
                request_id=request_id,
            )
        )

    def _on_certificate(self, event: CertificateAnswered, now: float) -> None:
        if event.failure is not None or event.certificate is None:
            failure = event.failure or ServiceFailure("malformed", "no certificate in the answer")
            self._service_failed(now, "certprov", event.address, failure)
            return
        cert = event.certificate
        self._trace(
            now,
            "certprov",
            "issued",
            subject=cert.subject,
            issuer=cert.issuer,
            serial=cert.serial,
            not_before=cert.not_before.isoformat(),
            not_after=cert.not_after.isoformat(),
            valid_on_phone_clock=cert.is_valid_at(_utc(self.wall_time(now))),
        )
        self._begin_registrar(now)

    # ----------------------------------------------------------- registrar

    def _begin_registrar(self, now: float) -> None:
        if not self._enter("registrar", now):
            return
        self._stage = "registrar"
        self._candidate = 0
        if not self._registrars:
            self._fail(
                now,
                "registrar",
                "none_found",
                "signed in to the web services but no registrar is known: "
                "DHCP gave no option 120 and DNS has no SRV record",
                registrar_source=self._registrar_source,
            )
            return
        self._try_candidate(now)

    def _try_candidate(self, now: float) -> None:
        target = self._registrars[self._candidate]

        def resolved(t: float) -> None:
            address = self.address_of(target.host) or target.address
            if address is None:
                self._trace(
                    t,
                    "registrar",
                    "skipped",
                    "warning",
                    registrar=target.label(),
                    why="does not resolve",
                )
                self._next_candidate(t)
                return
            self._trace(
                t,
                "registrar",
                "connect",
                registrar=target.label(),
                address=address,
                transport=target.transport,
                attempt=self._candidate + 1,
                of=len(self._registrars),
            )
            self._out.append(
                ConnectRegistrar(
                    host=target.host,
                    address=address,
                    port=target.port,
                    transport=target.transport,
                    sip_uri=self.sip_uri or "",
                    call_id=self._random_hex(128),
                    tag=self._random_hex(32),
                    branch="z9hG4bK" + self._random_hex(64),
                )
            )

        self._resolve(target.host, now, resolved)

    def _next_candidate(self, now: float) -> None:
        self._candidate += 1
        if self._candidate < len(self._registrars):
            self._try_candidate(now)
            return
        tried = [r.label() for r in self._registrars]
        self._step_failed(
            now,
            "registrar",
            "unreachable",
            f"no registrar answered: tried {', '.join(tried)}",
            tried=tried,
        )

    def _on_registrar(self, event: RegistrarAnswered, now: float) -> None:
        target = self._registrars[self._candidate]
        if event.failure is not None:
            self._trace(
                now,
                "registrar",
                "failed",
                "warning",
                registrar=target.label(),
                address=event.address,
                kind=event.failure.kind,
                detail=event.failure.detail,
            )
            self._next_candidate(now)
            return
        offered = [scheme.upper() for scheme in event.offered_schemes]
        if not offered and event.auth_scheme:
            offered = [event.auth_scheme.upper()]
        challenged = event.status == 401 and "TLS-DSK" in offered
        self._trace(
            now,
            "registrar",
            "challenge" if challenged else "answer",
            "info" if challenged else "warning",
            registrar=target.label(),
            status=event.status,
            reason_phrase=event.reason_phrase,
            scheme="TLS-DSK" if challenged else event.auth_scheme,
            offered_schemes=list(event.offered_schemes),
            sts_uri=event.sts_uri,
            realm=event.realm,
            target_name=event.target_name,
            server_certificate=None
            if event.server_certificate is None
            else event.server_certificate.subject,
        )
        if not challenged:
            self._next_candidate(now)
            return
        worked = RegistrarTarget(
            host=target.host, port=target.port, transport=target.transport, address=event.address
        )
        assert self.web_url is not None
        cache = DiscoveryCache(
            source="signin",
            web_url=self.web_url,
            registrars=(worked,),
            stored_at=self.wall_time(now),
        )
        self._keep(cache, now)
        self._finish(
            Success(
                t=round(now - self._t0, 6),
                web_url=self.web_url,
                registrar=worked.label(),
                sip_uri=self.sip_uri,
            ),
            now,
        )

    # ------------------------------------------------------------ helpers

    def _service_failed(self, now: float, stage: str, url: str, failure: ServiceFailure) -> None:
        cause = f"http_{failure.http_status}" if failure.kind == "http_status" else failure.kind
        evidence: dict[str, Any] = {}
        if failure.presented is not None:
            evidence["server_certificate"] = {
                "subject": failure.presented.subject,
                "issuer": failure.presented.issuer,
                "not_before": failure.presented.not_before.isoformat(),
                "not_after": failure.presented.not_after.isoformat(),
            }
        self._step_failed(
            now,
            stage,
            cause,
            f"{_STAGE_TEXT[stage]} failed at {url}: {failure.describe()}",
            url=url,
            kind=failure.kind,
            detail=failure.detail,
            http_status=failure.http_status,
            error_id=failure.error_id,
            server_reason=failure.reason,
            **evidence,
        )


_STAGE_TEXT = {
    "rootchain": "root certificate chain download",
    "certprov": "CertProvisioningService",
    "webticket": "Web Ticket service",
    "registrar": "registrar",
}


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _utc(unix: float) -> datetime:
    return datetime.fromtimestamp(unix, UTC)


def _describe_uc_option(option: UcClientVendorOption) -> dict[str, Any]:
    described: dict[str, Any] = {
        "url": option.url,
        "web_server_fqdn": option.web_server_fqdn,
        "web_server_port": option.web_server_port,
        "url_scheme": option.url_scheme,
        "cert_prov_path": option.cert_prov_path,
        "order": list(option.order),
        "missing": list(option.missing),
    }
    if option.port_as_integer is not None:
        described["port_as_integer"] = option.port_as_integer
    if option.truncated is not None:
        described["truncated"] = {
            "code": option.truncated.code,
            "declared_length": option.truncated.declared_length,
            "present_length": option.truncated.present_length,
            "partial_value": option.truncated.partial_value.decode("ascii", "replace"),
        }
    return described


def _missing_text(url: str | None, registrars: list[RegistrarTarget]) -> str:
    missing = []
    if not url:
        missing.append("web services URL (option 43)")
    if not registrars:
        missing.append("registrar FQDN (option 120)")
    return "DHCP gave no " + " and no ".join(missing) if missing else "DNS registrars are tried too"


def _count_answers(*answers: DhcpAnswer | None) -> int:
    return sum(1 for a in answers if a is not None)


__all__ = ["FINAL_STAGES", "Phone", "SrvRecord"]
