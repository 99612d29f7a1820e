"""The lab's authoritative DNS server: SRV and A records of the lab domain, over UDP.

Names inside the zone that have no record get NXDOMAIN; names outside it get
REFUSED, as an authoritative-only server (BIND) answers.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset


@dataclass
class LabZone:
    origin: str
    srv: dict[str, list[tuple[int, int, int, str]]] = field(default_factory=dict)
    """name -> [(priority, weight, port, target)]"""
    a: dict[str, list[str]] = field(default_factory=dict)
    ttl: int = 300

    def contains(self, name: dns.name.Name) -> bool:
        return name.is_subdomain(dns.name.from_text(self.origin))


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, server: LabDnsServer) -> None:
        self._server = server
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        reply = self._server.answer(data)
        if reply is not None and self.transport is not None:
            self.transport.sendto(reply, addr)


class LabDnsServer:
    def __init__(self, zone: LabZone, *, silent: bool = False) -> None:
        self.zone = zone
        self.silent = silent
        """Drop every query, as a DNS server that is down or filtered."""
        self.counts: Counter[str] = Counter()
        self._transport: asyncio.DatagramTransport | None = None
        self.port = 0

    def answer(self, data: bytes) -> bytes | None:
        if self.silent:
            self.counts["dropped"] += 1
            return None
        try:
            query = dns.message.from_wire(data)
        except dns.exception.DNSException:
            self.counts["malformed"] += 1
            return None
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if not query.question:
            response.set_rcode(dns.rcode.FORMERR)
            return response.to_wire()
        question = query.question[0]
        name = question.name
        if not self.zone.contains(name):
            self.counts["refused"] += 1
            response.flags &= ~dns.flags.AA
            response.set_rcode(dns.rcode.REFUSED)
            return response.to_wire()
        key = name.to_text(omit_final_dot=True).lower()
        rrset = self._rrset(name, key, question.rdtype)
        if rrset is not None:
            response.answer.append(rrset)
            self.counts["answered"] += 1
        elif key in self.zone.srv or key in self.zone.a:
            self.counts["no_data"] += 1  # NOERROR with an empty answer
        else:
            self.counts["nxdomain"] += 1
            response.set_rcode(dns.rcode.NXDOMAIN)
        return response.to_wire()

    def _rrset(self, name: dns.name.Name, key: str, rdtype: int) -> dns.rrset.RRset | None:
        if rdtype == dns.rdatatype.SRV and key in self.zone.srv:
            texts = [f"{p} {w} {port} {target}." for p, w, port, target in self.zone.srv[key]]
        elif rdtype == dns.rdatatype.A and key in self.zone.a:
            texts = list(self.zone.a[key])
        else:
            return None
        return dns.rrset.from_text_list(
            name, self.zone.ttl, dns.rdataclass.IN, dns.rdatatype.RdataType(rdtype), texts
        )

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        loop = asyncio.get_running_loop()
        self._transport, _ = await loop.create_datagram_endpoint(
            lambda: _Protocol(self), local_addr=(host, port)
        )
        self.port = self._transport.get_extra_info("sockname")[1]

    async def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
