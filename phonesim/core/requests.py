"""The questions the phone has asked the network and still waits for, each with its deadline.

Every command that asks something (a DNS lookup, an SNTP query, a web-service
call, a REGISTER) opens a request here, and the event that answers it closes
it. An answer names what it answers (the name looked up, the URL fetched, the
registrar dialled), so requests are keyed by that: drivers echo it already,
and no identifier has to travel through them.

Time is the phone's, as aioquic's connection owns every timer: a request is
due `timeout` seconds after it was asked (the profile's value, carried by the
command). When it is due and unanswered, the phone takes it as answered by
`timed_out(command)`, in the words a driver used for the same silence, and
an answer that comes later answers nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from phonesim.core.commands import (
    ConnectRegistrar,
    FetchMetadata,
    FetchRootChain,
    QueryTime,
    RequestCertificate,
    RequestWebTicket,
    ResolveAddress,
    ResolveSrv,
    SendSipMessage,
)
from phonesim.core.events import (
    AddressResolved,
    CertificateAnswered,
    Event,
    MetadataFetched,
    RegistrarAnswered,
    RootChainFetched,
    SipReceived,
    SrvResolved,
    TimeAnswered,
    WebTicketAnswered,
)
from phonesim.core.failure import ServiceFailure
from phonesim.core.step import Step

Key = tuple[type, object]

Asking = (
    ResolveSrv
    | ResolveAddress
    | QueryTime
    | FetchRootChain
    | FetchMetadata
    | RequestWebTicket
    | RequestCertificate
    | ConnectRegistrar
    | SendSipMessage
)
"""The commands that ask the network something, each answered by one event."""


class Waiter(Protocol):
    """Whoever asked: a stage machine (the phone's DNS answers the stages in turn)."""

    def handle(self, event: Event, now: float) -> Step: ...


ANSWERED_BY: Mapping[type, tuple[type, Callable[[Any], object]]] = {
    ResolveSrv: (SrvResolved, lambda c: c.name),
    ResolveAddress: (AddressResolved, lambda c: c.host),
    QueryTime: (TimeAnswered, lambda c: c.server),
    FetchRootChain: (RootChainFetched, lambda c: c.url),
    FetchMetadata: (MetadataFetched, lambda c: c.url),
    RequestWebTicket: (WebTicketAnswered, lambda c: c.address),
    RequestCertificate: (CertificateAnswered, lambda c: c.address),
    ConnectRegistrar: (RegistrarAnswered, lambda c: (c.host, c.address, c.port)),
    SendSipMessage: (SipReceived, lambda c: (c.host, c.address, c.port)),
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
    SipReceived: lambda e: (e.host, e.address, e.port),
}


DNS_TIMEOUT = "timeout"
"""A lookup nobody answered, as the phone's resolvers name it."""


def _web_silence(command: Any) -> ServiceFailure:
    return ServiceFailure("timeout", f"no answer within {command.timeout:g} s")


TIMED_OUT: Mapping[type, Callable[[Any], Event]] = {
    ResolveSrv: lambda c: SrvResolved(c.name, (), DNS_TIMEOUT),
    ResolveAddress: lambda c: AddressResolved(c.host, (), DNS_TIMEOUT),
    QueryTime: lambda c: TimeAnswered(c.server, None, f"no answer within {c.timeout:g} s"),
    FetchRootChain: lambda c: RootChainFetched(c.url, failure=_web_silence(c)),
    FetchMetadata: lambda c: MetadataFetched(c.url, failure=_web_silence(c)),
    RequestWebTicket: lambda c: WebTicketAnswered(c.address, failure=_web_silence(c)),
    RequestCertificate: lambda c: CertificateAnswered(c.address, failure=_web_silence(c)),
    ConnectRegistrar: lambda c: RegistrarAnswered(
        c.host,
        c.address,
        c.port,
        failure=ServiceFailure("timeout", f"no SIP answer within {c.timeout:g} s"),
    ),
    SendSipMessage: lambda c: SipReceived(
        c.host,
        c.address,
        c.port,
        failure=ServiceFailure("timeout", f"no SIP answer within {c.timeout:g} s"),
    ),
}
"""What an unanswered request is taken to have answered when its time is up."""


def timed_out(command: Asking) -> Event:
    return TIMED_OUT[type(command)](command)


def request_key(command: Asking) -> Key:
    answer, about = ANSWERED_BY[type(command)]
    return answer, about(command)


def answer_key(event: Event) -> Key | None:
    """The request `event` answers; None for what comes unasked (DHCP answers)."""
    about = ANSWER_KEYS.get(type(event))
    return None if about is None else (type(event), about(event))


def about(event: Event) -> str:
    """What an answer names, in a word for the trace."""
    key = answer_key(event)
    if key is None:
        return str(getattr(event, "source", ""))
    what = key[1]
    if isinstance(what, tuple):  # a registrar: host, address, port
        return f"{what[0]} at {what[1]}:{what[2]}"
    return str(what)


class Pending:
    __slots__ = ("command", "deadline", "later", "owner")

    def __init__(self, command: Asking, owner: Waiter | None, deadline: float) -> None:
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

    def open(self, command: Asking, owner: Waiter | None, now: float) -> None:
        key = request_key(command)
        pending = Pending(command, owner, now + command.timeout)
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

    def earliest(self) -> float | None:
        """When the first open request is due (requests asked again are due later)."""
        if not self._open:
            return None
        return min(pending.deadline for pending in self._open.values())

    def due(self, now: float) -> list[Pending]:
        """Requests due at `now`, closed: earliest first, then in the order they were asked."""
        due = sorted(
            (p for p in self._open.values() if p.deadline <= now), key=lambda p: p.deadline
        )
        for pending in due:
            self.close_pending(pending)
        return due

    def close_pending(self, pending: Pending) -> None:
        key = request_key(pending.command)
        if pending.later is not None:
            self._open[key] = pending.later
        else:
            del self._open[key]

    def __len__(self) -> int:
        return len(self._open)


__all__ = [
    "ANSWERED_BY",
    "DNS_TIMEOUT",
    "TIMED_OUT",
    "Asking",
    "Pending",
    "Requests",
    "Waiter",
    "about",
    "answer_key",
    "request_key",
    "timed_out",
]
