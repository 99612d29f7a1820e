"""What a driver tells the phone: something arrived from the world.

Each event is a small frozen value; the driver builds it from I/O and hands it
to `Phone.handle` together with the current time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from phonesim.codec.certificate import CertificateSummary
from phonesim.core.failure import ServiceFailure
from phonesim.core.tls_dsk.messages import SigningCredential


@dataclass(frozen=True, slots=True)
class DhcpReceived:
    payload: bytes
    source: str
    """Address of the server that sent it (ip or ip:port)."""


@dataclass(frozen=True, slots=True)
class LldpPolicyHeard:
    """One LLDP-MED network policy TLV (TIA-1057 §10.2.3) of a frame the switch sent, as
    the driver decoded it."""

    application: str
    """`voice`, `voice-signaling`, ... as TIA-1057 names application types 1-8."""
    vlan_id: int
    tagged: bool
    priority: int = 0
    dscp: int = 0
    unknown_policy: bool = False
    switch: str = ""
    """Who sent it (the chassis id or the frame's source MAC), for the trace."""


@dataclass(frozen=True, slots=True)
class SrvRecord:
    target: str
    port: int
    priority: int = 0
    weight: int = 0


@dataclass(frozen=True, slots=True)
class SrvResolved:
    name: str
    records: tuple[SrvRecord, ...] = ()
    error: str | None = None
    """nxdomain | no_answer | timeout | servfail | refused | ... when there are no records."""


@dataclass(frozen=True, slots=True)
class AddressResolved:
    host: str
    addresses: tuple[str, ...] = ()
    error: str | None = None


@dataclass(frozen=True, slots=True)
class TimeAnswered:
    server: str
    unix_time: float | None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class RootChainFetched:
    url: str
    certificates: tuple[CertificateSummary, ...] = ()
    failure: ServiceFailure | None = None


@dataclass(frozen=True, slots=True)
class MetadataFetched:
    url: str
    ports: dict[str, str] = field(default_factory=dict)
    issuers: dict[str, str] = field(default_factory=dict)
    failure: ServiceFailure | None = None


@dataclass(frozen=True, slots=True)
class WebTicketAnswered:
    address: str
    sip_uri: str | None = None
    expires_unix: float | None = None
    ticket: object = None
    """Opaque to the core: handed back to the driver for the certificate request."""
    failure: ServiceFailure | None = None


@dataclass(frozen=True, slots=True)
class CertificateAnswered:
    address: str
    certificate: CertificateSummary | None = None
    failure: ServiceFailure | None = None
    credential: SigningCredential | None = None
    """The issued certificate with the phone's key, kept by the driver: opaque to the core."""


@dataclass(frozen=True, slots=True)
class RegistrarAnswered:
    host: str
    address: str
    port: int
    status: int | None = None
    reason_phrase: str = ""
    auth_scheme: str | None = None
    """The scheme the phone took up: TLS-DSK when offered, else the first one offered."""
    offered_schemes: tuple[str, ...] = ()
    """Every WWW-Authenticate scheme of the answer, in the server's order."""
    sts_uri: str | None = None
    realm: str | None = None
    target_name: str | None = None
    version: int | None = None
    """The TLS-DSK challenge's version (MS-SIPAE: 3 or 4)."""
    local_address: str | None = None
    local_port: int | None = None
    """The phone's end of the SIP connection, which stays open after a challenge."""
    server_certificate: CertificateSummary | None = None
    failure: ServiceFailure | None = None
    retry_after: int | None = None
    """A refusal's `Retry-After`, seconds: the wait a busy registrar asks for."""
    error_id: int | None = None
    server_reason: str | None = None
    """The answer's `ms-diagnostics` id and reason, if it carries one."""


@dataclass(frozen=True, slots=True)
class SipReceived:
    """A whole SIP message from the registrar on the phone's open connection, or why none
    came (the connection broke, or the phone's time ran out)."""

    host: str
    address: str
    port: int
    data: bytes = b""
    failure: ServiceFailure | None = None


Event = (
    DhcpReceived
    | LldpPolicyHeard
    | SrvResolved
    | AddressResolved
    | TimeAnswered
    | RootChainFetched
    | MetadataFetched
    | WebTicketAnswered
    | CertificateAnswered
    | RegistrarAnswered
    | SipReceived
)
