"""The phone's DNS lookups, through dnspython, against the nameserver it was given.

The phone never uses the host's resolver: a laptop's /etc/resolv.conf is not
what the phone on the voice VLAN sees.
"""

from __future__ import annotations

from collections.abc import Sequence

import dns.asyncresolver
import dns.exception
import dns.rdatatype
import dns.resolver

from phonesim.core.events import AddressResolved, SrvResolved
from phonesim.drivers.shared_resolver import srv_resolved


class PhoneResolver:
    def __init__(self, nameserver: str, port: int = 53, timeout: float = 3.0) -> None:
        self._resolver = dns.asyncresolver.Resolver(configure=False)
        self._resolver.nameservers = [nameserver]
        self._resolver.port = port
        self._resolver.timeout = timeout
        self._resolver.lifetime = timeout
        self._resolver.cache = None
        self.timeout = timeout
        self.where = f"{nameserver}:{port}"

    def use_servers(self, nameservers: Sequence[str], port: int = 53) -> None:
        """Ask these servers from now on: the ones the phone's own lease gave (option 6)."""
        self._resolver.nameservers = list(nameservers)
        self._resolver.port = port
        self.where = ", ".join(f"{server}:{port}" for server in nameservers)

    async def srv(self, name: str, timeout: float | None = None) -> SrvResolved:
        try:
            answer = await self._resolver.resolve(name, "SRV", search=False, lifetime=timeout)
        except (dns.exception.DNSException, OSError) as error:
            return SrvResolved(name, (), _error_name(error))
        return srv_resolved(name, list(answer), None)

    async def address(self, host: str, timeout: float | None = None) -> AddressResolved:
        try:
            answer = await self._resolver.resolve(host, "A", search=False, lifetime=timeout)
        except (dns.exception.DNSException, OSError) as error:
            return AddressResolved(host, (), _error_name(error))
        return AddressResolved(host, tuple(rdata.address for rdata in answer), None)


def _error_name(error: Exception) -> str:
    if isinstance(error, dns.resolver.NXDOMAIN):
        return "nxdomain"
    if isinstance(error, dns.resolver.NoAnswer):
        return "no_answer"
    if isinstance(error, dns.exception.Timeout):
        return "timeout"
    if isinstance(error, dns.resolver.NoNameservers):
        # SERVFAIL or REFUSED from every server; the message names which.
        text = str(error)
        if "REFUSED" in text:
            return "refused"
        if "SERVFAIL" in text:
            return "servfail"
        return "no_nameservers"
    return f"error: {error}"
