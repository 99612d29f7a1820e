"""The DNS answers a capture holds, kept so a replayed phone can be answered as it was.

Only what the phone asks is kept (SRV and A answers), with how long the server
took when the query is in the capture too. The book is bounded: a capture of
any size yields a book of at most `max_names` names, each with its last few
answers, so skimming stays in constant memory.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import dns.exception
import dns.flags
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype

from phonesim.core.events import SrvRecord

TYPE_A = "A"
TYPE_SRV = "SRV"
_KEPT_TYPES = {dns.rdatatype.A: TYPE_A, dns.rdatatype.SRV: TYPE_SRV}
_ERRORS = {
    dns.rcode.NXDOMAIN: "nxdomain",
    dns.rcode.SERVFAIL: "servfail",
    dns.rcode.REFUSED: "refused",
}


@dataclass(frozen=True, slots=True)
class CapturedDnsAnswer:
    name: str
    """Lower case, no final dot: the form the phone's commands use."""
    rdtype: str
    time: float
    server: str
    addresses: tuple[str, ...] = ()
    records: tuple[SrvRecord, ...] = ()
    error: str | None = None
    """nxdomain | servfail | refused | no_answer when there are no records (as the live resolver names them)."""
    latency: float | None = None
    """Seconds from the captured query to this answer, when the query is in the capture."""


def _key(name: str) -> str:
    return name.lower().rstrip(".")


class DnsAnswerBook:
    def __init__(
        self, *, max_names: int = 4096, per_name: int = 4, max_pending: int = 1024
    ) -> None:
        self._answers: OrderedDict[tuple[str, str], list[CapturedDnsAnswer]] = OrderedDict()
        self._queries: OrderedDict[tuple[int, str, str], float] = OrderedDict()
        self._max_names = max_names
        self._per_name = per_name
        self._max_pending = max_pending
        self.unreadable = 0
        self.dropped_names = 0

    def __len__(self) -> int:
        return len(self._answers)

    def feed(self, payload: bytes, *, time: float, source: str) -> None:
        """One captured DNS datagram (query or response); unreadable ones are only counted."""
        try:
            message = dns.message.from_wire(payload, ignore_trailing=True)
        except (dns.exception.DNSException, ValueError, UnicodeError, IndexError, KeyError):
            self.unreadable += 1
            return
        if not message.question:
            return
        question = message.question[0]
        rdtype = _KEPT_TYPES.get(question.rdtype)
        if rdtype is None:
            return
        name = _key(question.name.to_text())
        query_key = (message.id, name, rdtype)
        if not message.flags & dns.flags.QR:
            self._queries[query_key] = time
            self._queries.move_to_end(query_key)
            while len(self._queries) > self._max_pending:
                self._queries.popitem(last=False)
            return
        asked_at = self._queries.pop(query_key, None)
        self._remember(
            _answer(
                message,
                name=name,
                rdtype=rdtype,
                time=time,
                server=source,
                latency=None if asked_at is None else max(0.0, time - asked_at),
            )
        )

    def _remember(self, answer: CapturedDnsAnswer) -> None:
        key = (answer.name, answer.rdtype)
        kept = self._answers.get(key)
        if kept is None:
            if len(self._answers) >= self._max_names:
                self.dropped_names += 1
                return
            kept = self._answers[key] = []
        kept.append(answer)
        del kept[: -self._per_name]

    def lookup(self, name: str, rdtype: str, *, near: float) -> CapturedDnsAnswer | None:
        """The captured answer for `name` closest in time to `near` (a session's start)."""
        kept = self._answers.get((_key(name), rdtype))
        if not kept:
            return None
        return min(kept, key=lambda answer: abs(answer.time - near))

    def names(self) -> list[tuple[str, str]]:
        return list(self._answers)

    def domains_asked(self, services: tuple[str, ...]) -> list[str]:
        """Domains whose registrar SRV names (e.g. `_sipinternaltls._tcp.<d>`) were answered."""
        found: dict[str, None] = {}
        for name, rdtype in self._answers:
            for service in services:
                prefix = service.lower().rstrip(".") + "."
                if rdtype == TYPE_SRV and name.startswith(prefix) and len(name) > len(prefix):
                    found.setdefault(name[len(prefix) :], None)
        return list(found)


def _answer(
    message: dns.message.Message,
    *,
    name: str,
    rdtype: str,
    time: float,
    server: str,
    latency: float | None,
) -> CapturedDnsAnswer:
    rcode = message.rcode()
    addresses: list[str] = []
    records: list[SrvRecord] = []
    for rrset in message.answer:
        if rrset.rdclass != dns.rdataclass.IN:
            continue  # no target or address in another class's records (CH, say)
        for rdata in rrset:
            if rrset.rdtype == dns.rdatatype.A and rdtype == TYPE_A:
                addresses.append(rdata.address)
            elif rrset.rdtype == dns.rdatatype.SRV and rdtype == TYPE_SRV:
                records.append(
                    SrvRecord(
                        target=rdata.target.to_text(omit_final_dot=True),
                        port=rdata.port,
                        priority=rdata.priority,
                        weight=rdata.weight,
                    )
                )
    error = None
    if not addresses and not records:
        error = _ERRORS.get(
            rcode, "no_answer" if rcode == dns.rcode.NOERROR else dns.rcode.to_text(rcode).lower()
        )
    return CapturedDnsAnswer(
        name=name,
        rdtype=rdtype,
        time=time,
        server=server,
        addresses=tuple(addresses),
        records=tuple(records),
        error=error,
        latency=latency,
    )
