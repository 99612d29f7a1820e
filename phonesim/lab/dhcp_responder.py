"""DHCPINFORM responders that behave like Communications Server DHCP, one or several, and
beside them, when a scenario has one, the site's own DHCP server (`enterprise_dhcp`).

Each lab DHCP server answers only DHCPINFORM from vendor class `MS-UC-Client`,
with its options (120 and 43 by default) plus server id, no lease and no lease
time: the Registrar's `EnableDHCPServer` mode, which runs beside the
enterprise DHCP server. Several servers on one segment answer the same INFORM,
each after its own delay, which is how the phone's first-answer-with-an-FQDN
rule is reproduced.

Fleets send thousands of INFORMs a second, so the per-datagram path avoids
scapy: a phone's usual INFORM is recognised from its bytes (`recognise_inform`)
and each server's ACK is built once with `build_ack` and stamped per request
(`AckTemplate`). Anything not recognised at once is decoded in full and judged
exactly as before, so what is answered and what is refused does not change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from phonesim.codec.ack_template import AckTemplate
from phonesim.codec.dhcp_message import (
    DHCPDISCOVER,
    DHCPINFORM,
    DHCPRELEASE,
    DHCPREQUEST,
    decode_dhcp_message,
)
from phonesim.codec.inform_check import recognise_inform
from phonesim.codec.ms_uc_client_option import encode_ms_uc_client_option
from phonesim.codec.sip_server_option import encode_sip_server_names
from phonesim.errors import PhonesimError
from phonesim.lab.enterprise_dhcp import EnterpriseDhcpServer
from phonesim.lab.responder_socket import ResponderSocket

UC_VENDOR_CLASS = "MS-UC-Client"
_UC_VENDOR_CLASS_BYTES = UC_VENDOR_CLASS.encode("latin-1")
# Retransmissions are counted per transaction; a fleet sends many, so the
# record is dropped whole once it grows this large (a late retransmission
# then counts as a first try, which only matters for `from_attempt`).
_MAX_TRACKED_TRANSACTIONS = 65536
_LEASE_MESSAGES = (DHCPDISCOVER, DHCPREQUEST, DHCPRELEASE)


@dataclass(frozen=True)
class LabDhcpServer:
    server_id: str
    options: tuple[tuple[int, bytes], ...]
    """Raw option values, in the order they go out (long ones are split, RFC 3396)."""
    delay: float = 0.0
    from_attempt: int = 1
    """The first INFORM of a transaction (1-based) this server answers."""


@dataclass
class DhcpResponderConfig:
    """One healthy server, the common case."""

    sip_servers: list[str]
    web_fqdn: str
    web_port: str = "443"
    server_id: str = "127.0.0.1"
    extra_options: list[tuple[int, bytes]] = field(default_factory=list)

    def options(self) -> list[tuple[int, bytes]]:
        options: list[tuple[int, bytes]] = []
        if self.sip_servers:
            options.append((120, encode_sip_server_names(self.sip_servers)))
        if self.web_fqdn:
            options.append(
                (
                    43,
                    encode_ms_uc_client_option(
                        web_server_fqdn=self.web_fqdn, web_server_port=self.web_port
                    ),
                )
            )
        return options + self.extra_options

    def server(self) -> LabDhcpServer:
        return LabDhcpServer(self.server_id, tuple(self.options()))


@dataclass(frozen=True)
class ScheduledReply:
    delay: float
    payload: bytes
    server_id: str


class LabDhcpResponder:
    def __init__(
        self,
        servers: DhcpResponderConfig | Sequence[LabDhcpServer],
        enterprise: EnterpriseDhcpServer | None = None,
    ) -> None:
        self.enterprise = enterprise
        """The site's own DHCP server beside the pool's (leases, the VLAN answer), if any."""
        self.servers: tuple[LabDhcpServer, ...] = ()
        self._acks: list[AckTemplate | None] = []
        self.reconfigure(servers)
        self.counts: Counter[str] = Counter()
        self._attempts: dict[tuple[str, int], int] = {}
        self._socket = ResponderSocket(self.replies)
        self.port = 0

    def reconfigure(self, servers: DhcpResponderConfig | Sequence[LabDhcpServer]) -> None:
        """Change what the next answers carry, without restarting (tests and scenarios)."""
        if isinstance(servers, DhcpResponderConfig):
            servers = [servers.server()]
        self.servers = tuple(servers)
        # Built on a server's first answer, so that scapy loads only when needed.
        self._acks = [None] * len(self.servers)

    def replies(self, data: bytes, vlan: int | None = None) -> list[ScheduledReply]:
        """Every server's answer to one datagram the phone sent on `vlan` (None: untagged,
        or as the enterprise server can tell), with its delay; none when all stay silent."""
        enterprise = self.enterprise
        if enterprise is not None:
            return self._site_replies(enterprise, data, vlan)
        recognised = recognise_inform(data, _UC_VENDOR_CLASS_BYTES)
        if recognised is not None:
            attempt = self._count_attempt(recognised.chaddr, recognised.xid)
            return self._answers(attempt, lambda ack: ack.for_request_wire(data))
        try:
            request = decode_dhcp_message(data)
        except PhonesimError:
            self.counts["malformed"] += 1
            return []
        if request.op != 1 or request.message_type != DHCPINFORM:
            self.counts["not_inform"] += 1
            return []
        if request.vendor_class != UC_VENDOR_CLASS:
            self.counts["other_vendor_class"] += 1
            return []
        attempt = self._count_attempt(request.chaddr, request.xid)
        return self._answers(attempt, lambda ack: ack.for_request(request))

    def _site_replies(
        self, enterprise: EnterpriseDhcpServer, data: bytes, vlan: int | None
    ) -> list[ScheduledReply]:
        """A site with its own DHCP server: leases go to it, INFORMs to the pool's servers
        where they are reachable (the slow path: a site's boots are not a DHCP storm)."""
        try:
            request = decode_dhcp_message(data)
        except PhonesimError:
            self.counts["malformed"] += 1
            return []
        if request.op != 1:
            self.counts["not_inform"] += 1
            return []
        if request.message_type in _LEASE_MESSAGES:
            self.counts[f"lease_{request.message_type}"] += 1
            payload = enterprise.answer(request, vlan)
            return [] if payload is None else [ScheduledReply(0.0, payload, enterprise.server_id)]
        on = enterprise.vlan_of.get(request.chaddr, 0) if vlan is None else vlan
        if not enterprise.spec.informs_on(on):
            self.counts["other_vlan"] += 1
            return []
        if request.message_type != DHCPINFORM:
            self.counts["not_inform"] += 1
            return []
        if request.vendor_class != UC_VENDOR_CLASS:
            self.counts["other_vendor_class"] += 1
            return []
        attempt = self._count_attempt(request.chaddr, request.xid)
        return self._answers(attempt, lambda ack: ack.for_request(request))

    def _answers(self, attempt: int, stamp: Callable[[AckTemplate], bytes]) -> list[ScheduledReply]:
        replies = []
        for index, server in enumerate(self.servers):
            if attempt < server.from_attempt:
                self.counts["held_back"] += 1
                continue
            self.counts["answered"] += 1
            payload = stamp(self._ack(index))
            replies.append(ScheduledReply(server.delay, payload, server.server_id))
        return replies

    def _ack(self, index: int) -> AckTemplate:
        ack = self._acks[index]
        if ack is None:
            server = self.servers[index]
            ack = AckTemplate(server_id=server.server_id, options=server.options)
            self._acks[index] = ack
        return ack

    def answer(self, data: bytes) -> bytes | None:
        """The first server's DHCPACK, or None: the single-server view of `replies`."""
        replies = self.replies(data)
        return replies[0].payload if replies else None

    def _count_attempt(self, mac: str, xid: int) -> int:
        if len(self._attempts) >= _MAX_TRACKED_TRANSACTIONS:
            self._attempts.clear()
        key = (mac, xid)
        self._attempts[key] = self._attempts.get(key, 0) + 1
        return self._attempts[key]

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.port = await self._socket.start(host, port)

    async def close(self) -> None:
        await self._socket.close()
