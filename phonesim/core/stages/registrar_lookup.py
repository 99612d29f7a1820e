"""The DNS search for a registrar, run beside the DHCPINFORM.

The profile's SRV names in turn (`_sipinternaltls._tcp`, `_sipinternal._tcp`,
`_sip._tls`), then its host names (`sipinternal`, `sip`, `sipexternal`), all in
the SIP domain once the phone knows it (its cache), else the DHCP domain; the
first that gives a registrar ends the search. Once the SIP domain is known, the
search asks every SRV name gg398713's order needs instead, keeping what each gave
(`phonesim.core.stages.registrar_order` puts them in order). Under strict DNS naming (firmware
4.0.7577.4363 and later, Schertz 2013/08) an SRV target outside that domain is
not trusted.
The search runs to its end even when discovery no longer needs it: what it
finds is traced, and a phone that signed in from DHCP alone still shows what
DNS would have said.
"""

from __future__ import annotations

import functools

from phonesim.core.context import BootContext
from phonesim.core.discovery_cache import RegistrarTarget
from phonesim.core.events import AddressResolved, SrvRecord, SrvResolved
from phonesim.core.requests import Waiter
from phonesim.core.stages.registrar_order import srv_names
from phonesim.core.trace_schema import DNS_REGISTRAR_LOOKUP_DONE, DNS_SRV_TARGET_REJECTED


class RegistrarLookup:
    __slots__ = (
        "_names",
        "_next_name",
        "_waiter",
        "by_service",
        "ctx",
        "finished",
        "found",
        "known_domain",
        "waiting_for",
    )

    def __init__(self, ctx: BootContext, waiter: Waiter) -> None:
        self.ctx = ctx
        self._waiter = waiter
        """Who hears the DNS answers for this search (the discovery stage it runs in)."""
        self._names: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
        """The SRV names, then the host names, to try."""
        self._next_name = 0
        self.found: tuple[RegistrarTarget, ...] = ()
        self.finished = False
        self.waiting_for: str | None = None
        """The host name whose address the search waits for."""
        self.known_domain = ctx.sip_domain is not None
        """The SIP domain is known: every SRV name of gg398713's order is asked, none
        ends the search, and no host name is tried."""
        self.by_service: dict[str, tuple[RegistrarTarget, ...]] = {}
        """What each SRV service gave (known SIP domain), by service name."""

    def start(self, now: float) -> bool:
        """Ask the first name; True if the search ended at once."""
        dns = self.ctx.profile.dns
        if not self.ctx.lookup_domain.strip("."):
            # No domain from the lease, the INFORM's answer or the user: every SRV name
            # would be a bare service label, which no DNS answers.
            self._names = ((), ())
        elif self.known_domain:
            self._names = (srv_names(dns.known_domain_order, self.ctx.lookup_domain), ())
        else:
            self._names = _names(dns.registrar_srv, dns.registrar_hosts, self.ctx.lookup_domain)
        return self._next()

    def handle(self, event: SrvResolved | AddressResolved, now: float) -> bool:
        """Take a DNS answer; True if the search ended with it."""
        if isinstance(event, SrvResolved):
            return self._srv_answered(event)
        host, self.waiting_for = self.waiting_for, None
        return self._host_resolved(host) if host is not None else False

    def _next(self) -> bool:
        srv_names, hosts = self._names
        index = self._next_name
        self._next_name += 1
        if index < len(srv_names):
            self.ctx.names.srv(srv_names[index], self._waiter)
            return False
        index -= len(srv_names)
        if index < len(hosts):
            host = hosts[index]
            if self.ctx.names.lookup(host, self._waiter):
                return self._host_resolved(host)
            self.waiting_for = host
            return False
        return self._finish("known SIP domain order" if self.found else None)

    def _srv_answered(self, event: SrvResolved) -> bool:
        if not event.records:
            return self._next()
        service, protocol = event.name.split(".")[:2]
        transport = "tls" if "tls" in service or protocol == "_tls" else "tcp"
        ordered = sorted(event.records, key=lambda r: (r.priority, -r.weight))
        if self.ctx.profile.strict_naming:
            ordered = self._in_domain(event.name, ordered)
            if not ordered:
                return self._next()
        found = tuple(
            RegistrarTarget(host=r.target.rstrip("."), port=r.port, transport=transport)
            for r in ordered
        )
        if self.known_domain:
            self.by_service[f"{service}.{protocol}"] = found
            self.found += tuple(t for t in found if t not in self.found)
            return self._next()
        self.found = found
        return self._finish(event.name)

    def _in_domain(self, name: str, records: list[SrvRecord]) -> list[SrvRecord]:
        """Strict DNS naming (CU7 on): an SRV target outside the SIP domain is not trusted
        (the DHCP domain stands in for it until the SIP domain is known)."""
        domain = self.ctx.lookup_domain.lower()
        kept = []
        for record in records:
            target = record.target.rstrip(".").lower()
            if target == domain or target.endswith("." + domain):
                kept.append(record)
                continue
            self.ctx.out.trace(
                DNS_SRV_TARGET_REJECTED,
                name=name,
                target=target,
                domain=domain,
                why=f"strict DNS naming (firmware {self.ctx.profile.device.firmware}): "
                f"the SRV target must be in {domain}",
            )
        return kept

    def _host_resolved(self, host: str) -> bool:
        address = self.ctx.names.address_of(host)
        if address is None:
            return self._next()
        self.found = (
            RegistrarTarget(
                host=host, port=self.ctx.profile.sip.port, transport="tls", address=address
            ),
        )
        return self._finish(host)

    def _finish(self, source: str | None) -> bool:
        self.finished = True
        self.ctx.out.trace(
            DNS_REGISTRAR_LOOKUP_DONE, found=[r.label() for r in self.found], source=source
        )
        return True


@functools.lru_cache(maxsize=64)
def _names(
    srv: tuple[str, ...], hosts: tuple[str, ...], domain: str
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The names to try in `domain`, made once for all the phones of a fleet that share it."""
    domain = domain.strip(".")
    return tuple(f"{s}.{domain}" for s in srv), tuple(f"{h}.{domain}" for h in hosts)


__all__ = ["RegistrarLookup"]
