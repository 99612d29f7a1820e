"""The phone's DNS: the addresses it has learnt, and who waits for which name.

Stages ask here rather than sending lookups themselves, so that two stages
waiting for one name send one query, an address learnt once (from an answer or
the discovery cache) is not asked again, and every answer is traced once,
whoever asked. Who waits is plain data (the waiting stage machines), never a
closure: a phone's state can be read and compared.
"""

from __future__ import annotations

import ipaddress

from phonesim.core.commands import ResolveAddress, ResolveSrv
from phonesim.core.events import AddressResolved, SrvResolved
from phonesim.core.outbox import Outbox
from phonesim.core.requests import Requests, Waiter
from phonesim.core.trace_schema import DNS_ANSWER, DNS_NO_ANSWER, DNS_QUERY


class Names:
    __slots__ = ("_addresses", "_out", "_requests", "_timeout", "_waiting")

    def __init__(self, out: Outbox, requests: Requests, timeout: float) -> None:
        self._out = out
        self._requests = requests
        self._timeout = timeout
        """How long the phone waits for a DNS answer (the profile's)."""
        self._addresses: dict[str, tuple[str, ...]] = {}
        self._waiting: dict[tuple[str, str], list[Waiter]] = {}

    def address_of(self, host: str) -> str | None:
        key = _key(host)
        if _is_ip(key):
            return key
        found = self._addresses.get(key)
        return found[0] if found else None

    def remember(self, host: str, address: str) -> None:
        """An address the phone already holds (its discovery cache), unless it knows better."""
        self.remember_all(host, (address,))

    def remember_all(self, host: str, addresses: tuple[str, ...]) -> None:
        """Addresses the phone already holds (its discovery cache: every A record of a
        load-balanced pool), unless it knows better."""
        if addresses:
            self._addresses.setdefault(_key(host), addresses)

    def addresses_of(self, host: str) -> tuple[str, ...]:
        """Every address DNS gave for `host` (several under DNS load balancing)."""
        key = _key(host)
        return (key,) if _is_ip(key) else self._addresses.get(key, ())

    def lookup(self, host: str, waiter: Waiter) -> bool:
        """True when `host` is known now; else `waiter` hears the answer (`handle`)."""
        key = _key(host)
        if _is_ip(key) or key in self._addresses:
            return True
        waiting = self._waiting.setdefault(("A", key), [])
        waiting.append(waiter)
        if len(waiting) == 1:
            self._out.trace(DNS_QUERY, name=key, type="A")
            self._ask(ResolveAddress(key, self._timeout))
        return False

    def srv(self, name: str, waiter: Waiter) -> None:
        """Look up the SRV records of `name`; `waiter` hears the answer."""
        self._waiting.setdefault(("SRV", name), []).append(waiter)
        self._out.trace(DNS_QUERY, name=name, type="SRV")
        self._ask(ResolveSrv(name, self._timeout))

    def answered(self, event: SrvResolved | AddressResolved) -> list[Waiter]:
        """Trace and learn an answer; who waited for it, in the order they asked."""
        out = self._out
        if isinstance(event, SrvResolved):
            if event.records:
                out.trace(
                    DNS_ANSWER,
                    name=event.name,
                    type="SRV",
                    records=[f"{r.priority} {r.weight} {r.port} {r.target}" for r in event.records],
                )
            else:
                out.trace(DNS_NO_ANSWER, name=event.name, type="SRV", error=event.error)
            return self._waiting.pop(("SRV", event.name), [])
        key = _key(event.host)
        if event.addresses:
            self._addresses[key] = tuple(event.addresses)
            out.trace(DNS_ANSWER, name=key, type="A", addresses=list(event.addresses))
        else:
            out.trace(DNS_NO_ANSWER, name=key, type="A", error=event.error)
        return self._waiting.pop(("A", key), [])

    def forget(self) -> None:
        """Forget every address and every waiter (the phone drops what its cache told it).
        Lookups still out stay open: their answers are traced when they come."""
        self._addresses.clear()
        self._waiting.clear()

    def _ask(self, command: ResolveSrv | ResolveAddress) -> None:
        self._out.send(command)
        self._requests.open(command, None, self._out.now)


def _key(host: str) -> str:
    return host.lower().rstrip(".")


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


__all__ = ["Names"]
