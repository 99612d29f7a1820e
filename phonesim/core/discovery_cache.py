"""The discovery cache: what the phone keeps in flash between boots.

Seed rules: DHCP answers that carry an FQDN are cached whatever DNS says; a
cached entry is used on the next boot instead of asking again; after a
successful sign-in (the registrar's 200 OK) the cache is replaced by the values
that worked. gg398713 adds what is kept: the registrar and Media Relay FQDNs,
every address the registrar's name resolves to (several under DNS load
balancing), the phone's SIP domain, and the registrars in-band provisioning names
behind the one that worked (`after_provisioning`); and a second reading of how it is used
(`CACHE_USES`): in place of discovery (the seed), or only when discovery fails.

Reading is tolerant: what a file lacks (an older phonesim's cache) is absent, and
a file that is not a cache is no cache.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from phonesim.core.tls_dsk.messages import SigningCredential

from phonesim.codec.web_address import host_problem, url_problem

CACHE_FORMAT = 1
FROM_OPTION_120 = "option 120"
"""A registrar's origin when DHCP's option 120 named it."""
FROM_PROVISIONING = "in-band provisioning"
"""A registrar's origin when the pool's provisioning answer named it."""
SIP_PORT = 5061


@dataclass(frozen=True, slots=True)
class RegistrarTarget:
    host: str
    port: int
    transport: str = "tls"
    address: str | None = None
    """The A-record address that worked, kept as a last resort when DNS fails (gg398713)."""
    addresses: tuple[str, ...] = field(default=(), compare=False)
    """Every address the name resolved to when the phone signed in (gg398713: "multiple
    IP addresses" under DNS load balancing), kept for when DNS fails."""
    origin: str = field(default="", compare=False)
    """Where this boot found it (`FROM_OPTION_120`), for the rules that apply to one
    source only; not kept in the cache."""

    def label(self) -> str:
        return f"{self.host}:{self.port}"

    def kept_addresses(self) -> tuple[str, ...]:
        """Every address kept: all of DNS's, else the one that worked."""
        if self.addresses:
            return self.addresses
        return (self.address,) if self.address else ()


@dataclass(frozen=True, slots=True)
class DiscoveryCache:
    source: str
    """dhcp | dns | signin: where the values came from."""
    web_url: str | None
    registrars: tuple[RegistrarTarget, ...]
    stored_at: float
    """Unix time of the phone's clock when stored."""
    dhcp_server: str | None = None
    sip_domain: str | None = None
    """The user's SIP domain, from the SIP URI the phone signed in with."""
    media_relay: str | None = None
    """The Media Relay (MRAS) URI in-band provisioning gave, once it has."""
    sip_uri: str | None = None
    """Who signed in: the certificate's user, for the REGISTER of a warm boot."""
    certificate_not_after: float | None = None
    """The phone's certificate's end (unix seconds)."""
    credential: SigningCredential | None = field(default=None, compare=False)
    """The phone's certificate and key, as the driver holds them: not in the JSON (the
    state folder keeps them in files of their own, readable by the owner only)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "format": CACHE_FORMAT,
            "source": self.source,
            "web_url": self.web_url,
            "registrars": [
                {
                    "host": r.host,
                    "port": r.port,
                    "transport": r.transport,
                    "address": r.address,
                    "addresses": list(r.addresses),
                }
                for r in self.registrars
            ],
            "stored_at": self.stored_at,
            "dhcp_server": self.dhcp_server,
            "sip_domain": self.sip_domain,
            "media_relay": self.media_relay,
            "sip_uri": self.sip_uri,
            "certificate_not_after": self.certificate_not_after,
        }

    @classmethod
    def from_json(cls, data: Any) -> DiscoveryCache | None:
        """Tolerant on purpose: a damaged cache means "ask the network again", never a crash."""
        if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT:
            return None
        try:
            registrars = tuple(
                RegistrarTarget(
                    host=str(r["host"]),
                    port=int(r["port"]),
                    transport=str(r.get("transport", "tls")),
                    address=None if r.get("address") is None else str(r["address"]),
                    addresses=tuple(str(a) for a in r.get("addresses") or ()),
                )
                for r in data.get("registrars", [])
            )
            web_url = data.get("web_url")
            return cls(
                source=str(data["source"]),
                web_url=None if web_url is None else str(web_url),
                registrars=registrars,
                stored_at=float(data["stored_at"]),
                dhcp_server=None if data.get("dhcp_server") is None else str(data["dhcp_server"]),
                sip_domain=_text(data.get("sip_domain")),
                media_relay=_text(data.get("media_relay")),
                sip_uri=_text(data.get("sip_uri")),
                certificate_not_after=None
                if data.get("certificate_not_after") is None
                else float(data["certificate_not_after"]),
            )
        except (KeyError, TypeError, ValueError):
            return None

    @property
    def usable(self) -> bool:
        return self.web_url is not None and bool(self.registrars) and self.problem is None

    @property
    def problem(self) -> str | None:
        """What makes these values unfit for the phone, or None. Everything here was learnt
        from a server (or read back from a file anyone may have edited), so nothing is
        trusted, stored or used before it passes as a URL or name the phone can request."""
        if self.web_url is not None and (problem := url_problem(self.web_url)):
            return f"web_url: {problem}"
        for target in self.registrars:
            problem = host_problem(target.host)
            if problem is None and not 0 < target.port < 65536:
                problem = f"port {target.port}"
            if problem is None and target.address is not None:
                problem = _address_problem(target.address)
            if problem is not None:
                return f"registrar {target.host[:80]!r}: {problem}"
        return None

    def certificate_valid_at(self, unix_time: float) -> bool:
        """Whether the kept certificate can sign the phone in at `unix_time` (the phone's
        clock): a warm boot then asks for no PIN, no Web Ticket and no certificate."""
        return (
            self.credential is not None
            and self.sip_uri is not None
            and self.certificate_not_after is not None
            and unix_time < self.certificate_not_after
        )

    def describe(self) -> dict[str, Any]:
        """The trace's view of what is held: enough to say what a cached phone would do."""
        return {
            "source": self.source,
            "web_url": self.web_url,
            "registrars": [r.label() for r in self.registrars],
            "stored_at": self.stored_at,
        }


def after_provisioning(
    worked: RegistrarTarget, named: tuple[str | None, ...]
) -> tuple[RegistrarTarget, ...]:
    """The registrars a signed-in phone keeps: the one that signed it in first, then each
    the pool's provisioning named (its pool, its backup), in that order, once each.

    gg398713: "From this point, the device uses the Registrar address provided to it by
    using in-band provisioning." The one that worked stays first, so a warm reboot meets
    the same pool; the provisioned ones stand by when it is gone, before the phone starts
    discovery afresh (row 29). A name the phone cannot use is left out rather than let it
    spoil the whole cache (`DiscoveryCache.problem`).
    """
    kept = [worked]
    for value in named:
        host = _registrar_host(value)
        if host is None or host_problem(host) is not None:
            continue
        if all(host.lower() != r.host.lower() for r in kept):
            kept.append(RegistrarTarget(host, SIP_PORT, "tls", origin=FROM_PROVISIONING))
    return tuple(kept)


def _registrar_host(value: str | None) -> str | None:
    """`pool.contoso.com` of `pool.contoso.com`, `sip:pool.contoso.com;transport=tls` or
    `sip:pool.contoso.com:5061` (a Front End writes its pool either way)."""
    if not value:
        return None
    text = value.strip()
    if text.lower().startswith("sip:"):
        text = text[4:]
    host = text.split(";", 1)[0].rpartition("@")[2].split(":", 1)[0].strip().rstrip(".")
    return host or None


def _address_problem(address: str) -> str | None:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return f"address {address[:40]!r} is not an IP address"
    return None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True, slots=True)
class CachePolicy:
    """Whether a boot reads the stored cache and keeps what it learns.

    A real phone always does both. A troubleshooter often wants neither: a
    scenario or a captured site must be met by a factory-fresh phone, or the
    cache from an earlier boot skips the very DHCP and DNS the site breaks; and
    what the phone learns from a test site must not be left in its flash.
    """

    read: bool = True
    write: bool = True
    why: str | None = None
    """Why the stored cache is not read or nothing is kept, said in the trace."""
    announce: bool = True
    """Say at power-on that the phone starts without a cache. A fleet or a replay,
    whose phones always do, leaves it out of every phone's trace."""

    @classmethod
    def device(cls) -> CachePolicy:
        return cls()

    @classmethod
    def rediscover(cls, why: str = "asked to rediscover") -> CachePolicy:
        """Wiped flash: ask DHCP and DNS, then keep what works."""
        return cls(read=False, write=True, why=why)

    @classmethod
    def factory_fresh(cls, why: str, *, announce: bool = True) -> CachePolicy:
        """A phone out of its box whose flash is thrown away afterwards."""
        return cls(read=False, write=False, why=why, announce=announce)
