"""What the stages of one boot share: who the phone is, what it has learnt, how it speaks.

A stage reads the facts earlier stages left here (the web services URL, the
registrars, the phone's clock, the CertProv endpoint and the web ticket) and
leaves its own. Finished stages leave values, not themselves: a phone in a
fleet carries its context and the one stage it is in.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from phonesim.codec.provisioning_xml import ProvisionedSettings
from phonesim.core.bringup import BringUpState
from phonesim.core.commands import PersistCache, SendSipMessage
from phonesim.core.discovery_cache import (
    CachePolicy,
    DiscoveryCache,
    RegistrarTarget,
    after_provisioning,
)
from phonesim.core.failure import ServiceFailure
from phonesim.core.identity import NetworkSettings, PhoneIdentity, RandomSource
from phonesim.core.names import Names
from phonesim.core.outbox import Outbox
from phonesim.core.profile import DeviceProfile
from phonesim.core.requests import Asking, Requests, Waiter
from phonesim.core.stage import Stage
from phonesim.core.step import Failed
from phonesim.core.supplied_trust import SuppliedTrust
from phonesim.core.tls_dsk.messages import Challenge, Registered, SigningCredential
from phonesim.core.tls_dsk.session import TlsDskSession
from phonesim.core.tls_dsk.subscribe_request import SubscriptionDialog
from phonesim.core.trace_schema import DISCOVERY_CACHE_STORED


@dataclass(frozen=True, slots=True)
class RegistrarConnection:
    """The registrar that challenged the phone, on the connection kept open since: the
    TLS-DSK sign-in goes on there, with the same Call-ID and From tag."""

    host: str
    address: str
    port: int
    label: str
    local_address: str
    local_port: int
    call_id: str
    tag: str
    challenge: Challenge
    target: RegistrarTarget
    """The registrar as the discovery cache keeps it, once the phone has signed in there."""

    def message(self, data: bytes, timeout: float) -> SendSipMessage:
        """`data` sent on this connection, a request answered within `timeout`."""
        return SendSipMessage(
            host=self.host, address=self.address, port=self.port, data=data, timeout=timeout
        )

    def lost(self, stage: Stage, failure: ServiceFailure) -> Failed:
        """The connection broke under `stage`: the servers' fault, whatever was under way."""
        return Failed(
            stage,
            "connection_lost",
            f"the SIP connection to {self.label} broke: {failure.detail}",
            servers_at_fault=True,
            registrar=self.label,
            kind=failure.kind,
            detail=failure.detail,
        )


@dataclass(frozen=True, slots=True)
class SignedIn:
    """What the TLS-DSK sign-in hands on: the session (its association, its counters, its
    timers), on the connection it signed in over, and the 200 OK's grant. Provisioning and
    a held phone go on with these, never with a session of their own."""

    session: TlsDskSession
    connection: RegistrarConnection
    registered: Registered
    dialogs: list[SubscriptionDialog] = field(default_factory=list)
    """The subscriptions granted with an Expires, for a held phone to renew."""


class BootContext:
    __slots__ = (
        "_names",
        "bringup",
        "cache_policy",
        "cached_sip_domain",
        "cert_prov_auth",
        "certificate_not_after",
        "challenged",
        "credential",
        "fallback_cache",
        "hold",
        "identity",
        "mono_at",
        "network",
        "ntp_servers",
        "out",
        "profile",
        "provisioned",
        "redirects",
        "registrar_source",
        "registrars",
        "requests",
        "rng",
        "signed_in",
        "sip_uri",
        "supplied_trust",
        "ticket",
        "using_cache",
        "wall_at",
        "warm_certificate",
        "web_derived",
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
        cache_policy: CachePolicy,
        supplied_trust: SuppliedTrust | None = None,
    ) -> None:
        self.profile = profile
        self.identity = identity
        self.network = network
        self.rng = rng
        self.cache_policy = cache_policy
        self.supplied_trust = supplied_trust
        """CA certificates given in place of the root chain download (`--trust-ca`)."""
        self.out = Outbox()
        self.requests = Requests()
        self._names: Names | None = None
        # The phone's own idea of wall-clock time: the device's own at power-on (or the
        # machine's, as the profile says), corrected by NTP.
        self.wall_at = power_on_clock(profile.time.clock_at_power_on, wall_clock)
        self.mono_at = 0.0
        self.using_cache = False
        self.bringup = BringUpState()
        """The VLAN and the leases the bring-up stages took (all empty without them)."""
        # What discovery (or the cache) found.
        self.web_url: str | None = None
        self.web_derived = False
        """The web services URL was derived from a registrar's name in this boot (no usable
        option 43); a URL from option 43 or from the cache is one the phone was given."""
        self.registrars: list[RegistrarTarget] = []
        self.registrar_source = ""
        self.ntp_servers: tuple[str, ...] = ()
        """Option 42 of the DHCP answer that won, if any."""
        # What signing in to the web services gave.
        self.cert_prov_auth: str | None = None
        self.ticket: object = None
        self.sip_uri: str | None = None
        self.cached_sip_domain: str | None = None
        """The SIP domain the discovery cache kept from an earlier sign-in."""
        self.warm_certificate = False
        """The certificate and key came from the cache, valid: no PIN, Web Ticket or
        CertProv this boot."""
        self.fallback_cache: DiscoveryCache | None = None
        """The cache held back for when discovery gives nothing (the "fallback" use)."""
        # What CertProv issued, and the registrar that challenged the phone.
        self.credential: SigningCredential | None = None
        self.certificate_not_after: float | None = None
        """The phone's certificate's end, unix seconds."""
        self.challenged: RegistrarConnection | None = None
        # What the sign-in handed on and provisioning gave; how long to stay registered.
        self.signed_in: SignedIn | None = None
        self.provisioned: ProvisionedSettings | None = None
        self.hold: float | None = None
        """Seconds a held phone stays registered after provisioning; None: not held."""
        self.redirects: list[RegistrarTarget] = []
        """The registrars a Director's 301 sent the phone from and to, in order."""

    @property
    def names(self) -> Names:
        """The phone's DNS, made when first asked: a DHCP storm's phones never look up."""
        if self._names is None:
            self._names = Names(self.out, self.requests, self.profile.dns.timeout)
        return self._names

    # -- the phone's domains

    @property
    def sip_domain(self) -> str | None:
        """The user's SIP domain: from the SIP URI once signed in, else from the cache;
        None on a first boot before the Web Ticket (gg398713: "no DNS values are available
        yet")."""
        if self.sip_uri is not None:
            return sip_uri_domain(self.sip_uri)
        return self.cached_sip_domain

    @property
    def lookup_domain(self) -> str:
        """Where SRV names (registrar, NTP) are looked up and SRV targets must lie: the SIP
        domain once known, else the DHCP (or configured) domain."""
        return (self.sip_domain or self.network.dns_domain).strip(".")

    # -- the phone's clock

    def wall_time(self, now: float) -> float:
        """The phone's clock (unix seconds) at monotonic `now`."""
        return self.wall_at + (now - self.mono_at)

    def wall_datetime(self, now: float) -> datetime:
        return utc(self.wall_time(now))

    def set_clock(self, unix_time: float, now: float) -> None:
        self.wall_at = unix_time
        self.mono_at = now

    # -- speaking

    def ask(self, command: Asking, owner: Waiter) -> None:
        """Send a command that asks the network something; `owner` hears the answer, or
        its timeout when the command's time is up."""
        self.out.send(command)
        self.requests.open(command, owner, self.out.now)

    def random_hex(self, bits: int) -> str:
        return f"{self.rng.getrandbits(bits):0{bits // 4}x}"

    def keep(self, cache: DiscoveryCache) -> None:
        """The phone writes its flash; whether the state folder keeps it is the policy's say."""
        policy = self.cache_policy
        # Validated before it is written: a value the phone cannot use would otherwise
        # be read back, and fail, at every boot after this one.
        problem = cache.problem
        persisted = policy.write and problem is None
        if persisted:
            self.out.send(PersistCache(cache))
        fields: dict[str, Any] = {
            "source": cache.source,
            "web_url": cache.web_url,
            "registrars": [r.label() for r in cache.registrars],
            "persisted": persisted,
        }
        if problem is not None:
            fields["why"] = f"not kept: {problem}"
        elif not policy.write:
            fields["why"] = policy.why
        self.out.trace(DISCOVERY_CACHE_STORED, **fields)

    def keep_signed_in(self, registrar: RegistrarTarget, now: float) -> None:
        """Replace the cache with what signed the phone in: the web services, the registrar
        with every address its name resolved to, the SIP domain, and the Media Relay and
        registrars once provisioning has given them."""
        assert self.web_url is not None
        registrar = replace(
            registrar, addresses=self.names.addresses_of(registrar.host) or registrar.addresses
        )
        provisioned = self.provisioned
        registrars = (
            (registrar,)
            if provisioned is None
            else after_provisioning(registrar, (provisioned.pool, provisioned.backup_pool))
        )
        self.keep(
            DiscoveryCache(
                source="signin",
                web_url=self.web_url,
                registrars=registrars,
                stored_at=self.wall_time(now),
                sip_domain=self.sip_domain,
                media_relay=None if self.provisioned is None else self.provisioned.mras_uri,
                sip_uri=self.sip_uri,
                certificate_not_after=self.certificate_not_after,
                credential=self.credential,
            )
        )

    def drop_kept_certificate(self) -> None:
        """The certificate kept from the last sign-in is not used again this boot."""
        self.warm_certificate = False
        self.credential = None
        self.sip_uri = None
        self.certificate_not_after = None
        self.challenged = None

    # -- what a failed cache takes with it

    def forget_servers(self) -> None:
        """The cached servers failed: nothing learnt from them is kept."""
        self.web_url = None
        self.web_derived = False
        self.registrars = []
        self.cert_prov_auth = None
        self.ticket = None
        self.sip_uri = None
        self.credential = None
        self.certificate_not_after = None
        self.warm_certificate = False
        self.challenged = None
        self.redirects = []
        if self._names is not None:
            self._names.forget()


def power_on_clock(setting: str, host_clock: float) -> float:
    """The phone's clock at power-on: the profile's instant, or the machine's (`host`)."""
    if setting == "host":
        return host_clock
    return datetime.fromisoformat(setting).timestamp()


def sip_uri_domain(sip_uri: str) -> str:
    """`contoso.com` of `sip:alice@contoso.com` (lower case: DNS names are)."""
    return sip_uri.rpartition("@")[2].split(";")[0].strip(".").lower()


def utc(unix: float) -> datetime:
    return datetime.fromtimestamp(unix, UTC)


__all__ = [
    "BootContext",
    "RegistrarConnection",
    "SignedIn",
    "power_on_clock",
    "sip_uri_domain",
    "utc",
]
