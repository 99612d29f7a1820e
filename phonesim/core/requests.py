"""The questions the phone has asked the network and still waits for.

Every command that asks something (a DNS lookup, an SNTP query, a web-service
call, a REGISTER) opens a request here, and the event that answers it closes
it. An answer names what it answers (the name looked up, the URL fetched, the
registrar dialled), so requests are keyed by that: drivers echo it already,
and no identifier has to travel through them.

The key of a request is the answer's type and what it is about, read by
`ANSWER_KEYS` from the command and from the answer alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from phonesim.core.commands import (
    Command,
    ConnectRegistrar,
    FetchMetadata,
    FetchRootChain,
    QueryTime,
    RequestCertificate,
    RequestWebTicket,
    ResolveAddress,
    ResolveSrv,
)
from phonesim.core.events import (
    AddressResolved,
    CertificateAnswered,
    Event,
    MetadataFetched,
    RegistrarAnswered,
    RootChainFetched,
    SrvResolved,
    TimeAnswered,
    WebTicketAnswered,
)

Key = tuple[type, object]


class Waiter(Protocol):
    """Whoever asked: a stage machine, or the phone's DNS (which answers stages in turn)."""

    def handle(self, event: Event, now: float) -> object: ...


ANSWERED_BY: Mapping[type, tuple[type, Callable[[Any], object]]] = {
    ResolveSrv: (SrvResolved, lambda c: c.name),
    ResolveAddress: (AddressResolved, lambda c: c.host),
    QueryTime: (TimeAnswered, lambda c: c.server),
    FetchRootChain: (RootChainFetched, lambda c: c.url),
    FetchMetadata: (MetadataFetched, lambda c: c.url),
    RequestWebTicket: (WebTicketAnswered, lambda c: c.address),
    RequestCertificate: (CertificateAnswered, lambda c: c.address),
    ConnectRegistrar: (RegistrarAnswered, lambda c: (c.host, c.address, c.port)),
}
"""For each asking command: the event that answers it, and what both are about."""

ANSWER_KEYS: Mapping[type, Callable[[Any], object]] = {
    SrvResolved: lambda e: e.name,
    AddressResolved: lambda e: e.host,
    TimeAnswered: lambda e: e.server,
    RootChainFetched: lambda e: e.url,
    MetadataFetched: lambda e: e.url,
    WebTicketAnswered: lambda e: e.address,
    CertificateAnswered: lambda e: e.address,
    RegistrarAnswered: lambda e: (e.host, e.address, e.port),
}


def request_key(command: Command) -> Key:
    answer, about = ANSWERED_BY[type(command)]
    return answer, about(command)


def answer_key(event: Event) -> Key | None:
    """The request `event` answers; None for what comes unasked (DHCP answers)."""
    about = ANSWER_KEYS.get(type(event))
    return None if about is None else (type(event), about(event))


class Pending:
    __slots__ = ("command", "deadline", "later", "owner")

    def __init__(self, command: Command, owner: Waiter | None, deadline: float | None) -> None:
        self.command = command
        self.owner = owner
        """The stage machine that asked; None for the phone's DNS (`Names`)."""
        self.deadline = deadline
        self.later: Pending | None = None
        """The same question asked again while this one was open: answered next."""


class Requests:
    __slots__ = ("_open",)

    def __init__(self) -> None:
        self._open: dict[Key, Pending] = {}

    def open(self, command: Command, owner: Waiter | None, deadline: float | None = None) -> None:
        key = request_key(command)
        pending = Pending(command, owner, deadline)
        first = self._open.get(key)
        if first is None:
            self._open[key] = pending
            return
        while first.later is not None:
            first = first.later
        first.later = pending

    def close(self, event: Event) -> Pending | None:
        """The request `event` answers, now answered; None if none is open for it."""
        key = answer_key(event)
        if key is None:
            return None
        pending = self._open.pop(key, None)
        if pending is not None and pending.later is not None:
            self._open[key] = pending.later
        return pending

    def __len__(self) -> int:
        return len(self._open)


__all__ = ["ANSWERED_BY", "Pending", "Requests", "Waiter", "answer_key", "request_key"]
