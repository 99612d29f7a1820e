"""What the phone asks its driver to do. The core never does I/O itself.

A command that asks the network something carries the `timeout` the phone
gives it: the phone stops waiting that long after it asked, whatever the
driver does (it then sends `Abandon`). A driver uses the value only to let go
of its socket.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from phonesim.core.discovery_cache import DiscoveryCache
from phonesim.core.identity import Pin


@dataclass(frozen=True, slots=True)
class SendDhcp:
    payload: bytes
    xid: int


@dataclass(frozen=True, slots=True)
class StopDhcp:
    """The phone no longer listens for DHCP answers; the driver may release its socket."""


@dataclass(frozen=True, slots=True)
class ListenLldp:
    """Listen for the switch's LLDP-MED frames (ethertype 0x88cc) on the phone's port, for
    at most `timeout` seconds; what is heard comes back as `LldpPolicyHeard`."""

    timeout: float


@dataclass(frozen=True, slots=True)
class StopLldp:
    """The phone no longer listens for LLDP; the driver may close its socket."""


@dataclass(frozen=True, slots=True)
class JoinVlan:
    """From now on the phone's frames carry this 802.1Q tag (VLAN id, priority code point),
    and it hears only its VLAN's traffic."""

    vlan_id: int
    priority: int
    source: str
    """Who named the VLAN: `lldp` or `dhcp`."""


@dataclass(frozen=True, slots=True)
class TakeLease:
    """The phone holds `address` (its mask and router) from now on: the driver puts it on
    the phone's interface and sends its DNS queries to `dns_servers` (already chosen:
    the user's, else the lease's)."""

    address: str
    mask: str | None
    router: str | None
    server: str | None
    lease_time: int | None
    dns_servers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ResolveSrv:
    name: str
    timeout: float


@dataclass(frozen=True, slots=True)
class ResolveAddress:
    host: str
    timeout: float


@dataclass(frozen=True, slots=True)
class QueryTime:
    server: str
    address: str
    port: int
    timeout: float


@dataclass(frozen=True, slots=True)
class FetchRootChain:
    url: str
    timeout: float


@dataclass(frozen=True, slots=True)
class TrustRootChain:
    """From now on the phone's TLS trusts exactly the chain it downloaded, or the
    certificates supplied in its place (`supplied`, DER)."""

    supplied: tuple[bytes, ...] = field(default=(), repr=False)


@dataclass(frozen=True, slots=True)
class FetchMetadata:
    url: str
    timeout: float


@dataclass(frozen=True, slots=True)
class RequestWebTicket:
    address: str
    applies_to: str
    username: str
    pin: Pin
    timeout: float
    pin_format: str = "username-token"
    """The profile's variant of the PIN request's wire format (`web.pin_format`)."""


@dataclass(frozen=True, slots=True)
class RequestCertificate:
    address: str
    ticket: object
    entity: str
    device_id: str
    request_id: str
    timeout: float
    phone_time: float
    """The phone's own clock (Unix seconds) when it asks: the request's WS-Security
    timestamp says this time, and the pool checks it against its clock."""


@dataclass(frozen=True, slots=True)
class ConnectRegistrar:
    host: str
    address: str
    port: int
    transport: str
    sip_uri: str
    call_id: str
    tag: str
    branch: str
    timeout: float


@dataclass(frozen=True, slots=True)
class SendSipMessage:
    """A SIP message on the connection `ConnectRegistrar` opened to the registrar, kept
    open since: the registrar's answer comes back as `SipReceived`."""

    host: str
    address: str
    port: int
    data: bytes
    timeout: float


@dataclass(frozen=True, slots=True)
class KeepAlive:
    """A CRLF keep-alive on the registrar connection: bytes only, no answer awaited."""

    host: str
    address: str
    port: int
    data: bytes = b"\r\n\r\n"


@dataclass(frozen=True, slots=True)
class Abandon:
    """The phone no longer waits for the answer to `request` (its time ran out): the driver
    may drop the work and free its socket. An answer that comes all the same is ignored."""

    request: Command


@dataclass(frozen=True, slots=True)
class PersistCache:
    cache: DiscoveryCache | None
    """None clears the cache."""


@dataclass(frozen=True, slots=True)
class Trace:
    t: float
    """Seconds since power-on."""
    stage: str
    event: str
    fields: dict[str, Any] = field(default_factory=dict)
    level: str = "info"
    """info | warning | error"""


Command = (
    SendDhcp
    | StopDhcp
    | ListenLldp
    | StopLldp
    | JoinVlan
    | TakeLease
    | ResolveSrv
    | ResolveAddress
    | QueryTime
    | FetchRootChain
    | TrustRootChain
    | FetchMetadata
    | RequestWebTicket
    | RequestCertificate
    | ConnectRegistrar
    | SendSipMessage
    | KeepAlive
    | PersistCache
    | Abandon
    | Trace
)
