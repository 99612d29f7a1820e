"""The lab's authoritative DNS server: SRV and A records of the lab domain, over UDP.

Names inside the zone that have no record get NXDOMAIN; names outside it get
REFUSED, as an authoritative-only server (BIND) answers.
"""

from __future__ import annotations

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

from phonesim.udp_endpoint import UdpEndpoint


@dataclass
class LabZone:
    origin: str
    srv: dict[str, list[tuple[int, int, int, str]]] = field(default_factory=dict)
    """name -> [(priority, weight, port, target)]"""
    a: dict[str, list[str]] = field(default_factory=dict)
    ttl: int = 300

    def contains(self, name: dns.name.Name) -> bool:
        return name.is_subdomain(dns.name.from_text(self.origin))


_MAX_REMEMBERED = 4096


class LabDnsServer:
    def __init__(self, zone: LabZone, *, silent: bool = False) -> None:
        self.zone = zone
        self.silent = silent
        """Drop every query, as a DNS server that is down or filtered."""
        self._answers: dict[bytes, tuple[str, bytes]] = {}
        self._last_count = "answered"
        self.counts: Counter[str] = Counter()
        self._endpoint: UdpEndpoint | None = None
        self.port = 0

    def answer(self, data: bytes) -> bytes | None:
        if self.silent:
            self.counts["dropped"] += 1
            return None
        # The zone does not change while the server runs, so a query that differs
        # from an earlier one only in its id gets the same answer under its own id:
        # a fleet asks the same few questions thousands of times.
        remembered = self._answers.get(data[2:]) if len(data) > 12 else None
        if remembered is not None:
            self.counts[remembered[0]] += 1
            return data[:2] + remembered[1]
        reply = self._compute(data)
        if reply is not None and len(self._answers) < _MAX_REMEMBERED:
            self._answers[data[2:]] = (self._last_count, reply[2:])
        return reply

    def _count(self, what: str) -> None:
        self.counts[what] += 1
        self._last_count = what

    def _compute(self, data: bytes) -> bytes | None:
        try:
            query = dns.message.from_wire(data)
        except dns.exception.DNSException:
            self._count("malformed")
            return None
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if not query.question:
            self._count("formerr")
            response.set_rcode(dns.rcode.FORMERR)
            return response.to_wire()
        question = query.question[0]
        name = question.name
        if not self.zone.contains(name):
            self._count("refused")
            response.flags &= ~dns.flags.AA
            response.set_rcode(dns.rcode.REFUSED)
            return response.to_wire()
        key = name.to_text(omit_final_dot=True).lower()
        rrset = self._rrset(name, key, question.rdtype)
        if rrset is not None:
            response.answer.append(rrset)
            self._count("answered")
        elif key in self.zone.srv or key in self.zone.a:
            self._count("no_data")  # NOERROR with an empty answer
        else:
            self._count("nxdomain")
            response.set_rcode(dns.rcode.NXDOMAIN)
        # Records in the zone's order: dnspython shuffles them by default, and a scenario
        # whose first A record is dead must meet the phone the same way every run.
        return response.to_wire(want_shuffle=False)

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
        self._endpoint = await UdpEndpoint.open(self._datagram, local=(host, port))
        self.port = self._endpoint.local_address[1]

    def _datagram(self, data: bytes, address: tuple[str, int]) -> None:
        reply = self.answer(data)
        if reply is not None and self._endpoint is not None:
            self._endpoint.sendto(reply, address)

    async def close(self) -> None:
        if self._endpoint is not None:
            self._endpoint.close()
            self._endpoint = None
