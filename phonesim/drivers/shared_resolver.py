"""DNS for a whole fleet over one UDP socket, answers matched to queries by id and question.

dnspython's resolver opens a socket per query, which a fleet of thousands of
phones cannot afford; here dnspython still writes and reads every message,
while one socket carries them all. It answers the same events, with the same
error names, as `PhoneResolver` (single boots keep that one: it also retries
over TCP when an answer is truncated, which a fleet against one pool's DNS
does not need).
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

import dns.exception
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype

from phonesim.core.events import AddressResolved, SrvRecord, SrvResolved
from phonesim.udp_endpoint import UdpEndpoint

_MEMORY = 1024
"""Distinct questions and answers remembered; a fleet against one pool asks a handful."""

TIMEOUT = "timeout"
"""The name a lookup nobody answered gets, as PhoneResolver names it too."""

_RCODE_ERRORS = {
    dns.rcode.NXDOMAIN: "nxdomain",
    dns.rcode.REFUSED: "refused",
    dns.rcode.SERVFAIL: "servfail",
}


class SharedResolver:
    def __init__(self, nameserver: str, port: int = 53, timeout: float = 3.0) -> None:
        self.where = (nameserver, port)
        self.timeout = timeout
        self._endpoint: UdpEndpoint | None = None
        self._pending: dict[
            int, tuple[dns.name.Name, int, asyncio.Future[dns.message.Message]]
        ] = {}
        self._ids = random.Random()
        self._questions: dict[tuple[str, int], tuple[dns.name.Name, bytes]] = {}
        self._responses: dict[bytes, dns.message.Message] = {}
        self.unmatched = 0

    async def open(self) -> None:
        family_any = "::" if ":" in self.where[0] else "0.0.0.0"
        local = ("127.0.0.1", 0) if self.where[0].startswith("127.") else (family_any, 0)
        self._endpoint = await UdpEndpoint.open(
            lambda data, _address: self._answer(data), local=local, remote=self.where
        )

    def close(self) -> None:
        if self._endpoint is not None:
            self._endpoint.close()
            self._endpoint = None
        for _name, _type, future in self._pending.values():
            if not future.done():
                future.cancel()
        self._pending.clear()

    async def srv(self, name: str, timeout: float | None = None) -> SrvResolved:
        answer, error = await self._ask(name, dns.rdatatype.SRV, timeout)
        return srv_resolved(name, answer, error)

    async def address(self, host: str, timeout: float | None = None) -> AddressResolved:
        answer, error = await self._ask(host, dns.rdatatype.A, timeout)
        return address_resolved(host, answer, error)

    async def _ask(
        self, name: str, rdtype: dns.rdatatype.RdataType, timeout: float | None = None
    ) -> tuple[list[Any] | None, str | None]:
        assert self._endpoint is not None, "open() first"
        qname, wire = self._question(name, rdtype)
        query_id = self._free_id()
        future: asyncio.Future[dns.message.Message] = asyncio.get_running_loop().create_future()
        self._pending[query_id] = (qname, rdtype, future)
        try:
            self._endpoint.sendto(query_id.to_bytes(2, "big") + wire[2:])
            # Each phone's own timeout (a fleet may mix profiles); the resolver's for others.
            response = await asyncio.wait_for(future, timeout or self.timeout)
        except TimeoutError:
            return None, TIMEOUT
        finally:
            self._pending.pop(query_id, None)
        return read_response(response, qname, rdtype)

    def _question(self, name: str, rdtype: dns.rdatatype.RdataType) -> tuple[dns.name.Name, bytes]:
        """The query for (name, type) written once; each use stamps its own id."""
        key = (name, rdtype)
        found = self._questions.get(key)
        if found is None:
            qname = dns.name.from_text(name)
            found = (qname, dns.message.make_query(qname, rdtype).to_wire())
            if len(self._questions) < _MEMORY:
                self._questions[key] = found
        return found

    def _free_id(self) -> int:
        while True:
            candidate = self._ids.getrandbits(16)
            if candidate not in self._pending:
                return candidate

    def _answer(self, data: bytes) -> None:
        # Answers to the same question are the same bytes but for the id: read once.
        response = self._responses.get(data[2:])
        if response is None:
            try:
                response = dns.message.from_wire(data)
            except dns.exception.DNSException:
                self.unmatched += 1
                return
            if len(self._responses) < _MEMORY:
                self._responses[data[2:]] = response
        response_id = int.from_bytes(data[:2], "big")
        pending = self._pending.get(response_id)
        question = response.question[0] if response.question else None
        if (
            pending is None
            or question is None
            or question.name != pending[0]
            or question.rdtype != pending[1]
        ):
            self.unmatched += 1  # late, foreign, or spoofed
            return
        future = pending[2]
        if not future.done():
            future.set_result(response)


def read_response(
    response: dns.message.Message, qname: dns.name.Name, rdtype: int
) -> tuple[list[Any] | None, str | None]:
    """The records answering (qname, rdtype), or why there are none, in the error names
    PhoneResolver gives for the same answers."""
    rcode = response.rcode()
    if rcode != dns.rcode.NOERROR:
        return None, _RCODE_ERRORS.get(rcode, f"error: {dns.rcode.to_text(rcode)}")
    for rrset in response.answer:
        # Only class IN carries an SRV's target or an A's address: a server answering in
        # another class (CH, say) gives records without them, which are no answer at all.
        if rrset.name == qname and rrset.rdtype == rdtype and rrset.rdclass == dns.rdataclass.IN:
            return list(rrset), None
    return None, "no_answer"


def srv_resolved(name: str, answer: list[Any] | None, error: str | None) -> SrvResolved:
    if answer is None:
        return SrvResolved(name, (), error)
    records = tuple(
        SrvRecord(
            target=rdata.target.to_text(omit_final_dot=True),
            port=rdata.port,
            priority=rdata.priority,
            weight=rdata.weight,
        )
        for rdata in answer
    )
    return SrvResolved(name, records, None)


def address_resolved(host: str, answer: list[Any] | None, error: str | None) -> AddressResolved:
    if answer is None:
        return AddressResolved(host, (), error)
    return AddressResolved(host, tuple(rdata.address for rdata in answer), None)
