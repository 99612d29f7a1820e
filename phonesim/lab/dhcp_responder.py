"""A DHCPINFORM responder that behaves like Communications Server DHCP.

It answers only DHCPINFORM from vendor class `MS-UC-Client`, with options 120
and 43 (plus server id), gives no leases and no lease time: the Registrar's
`EnableDHCPServer` mode, which runs beside the enterprise DHCP server.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field

from phonesim.codec.dhcp_message import DHCPINFORM, build_ack, decode_dhcp_message
from phonesim.codec.ms_uc_client_option import encode_ms_uc_client_option
from phonesim.codec.sip_server_option import encode_sip_server_names
from phonesim.errors import PhonesimError

UC_VENDOR_CLASS = "MS-UC-Client"


@dataclass
class DhcpResponderConfig:
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


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, responder: LabDhcpResponder) -> None:
        self._responder = responder
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        reply = self._responder.answer(data)
        if reply is not None and self.transport is not None:
            # Loopback lab: the phone listens on an ephemeral port, so answer the sender.
            self.transport.sendto(reply, addr)


class LabDhcpResponder:
    def __init__(self, config: DhcpResponderConfig) -> None:
        self.config = config
        self._options = config.options()
        self.counts: Counter[str] = Counter()
        self._transport: asyncio.DatagramTransport | None = None
        self.port = 0

    def reconfigure(self, config: DhcpResponderConfig) -> None:
        """Change what the next answers carry, without restarting (tests and scenarios)."""
        self.config = config
        self._options = config.options()

    def answer(self, data: bytes) -> bytes | None:
        """The DHCPACK for one datagram, or None when Communications Server DHCP stays silent."""
        try:
            request = decode_dhcp_message(data)
        except PhonesimError:
            self.counts["malformed"] += 1
            return None
        if request.op != 1 or request.message_type != DHCPINFORM:
            self.counts["not_inform"] += 1
            return None
        if request.vendor_class != UC_VENDOR_CLASS:
            self.counts["other_vendor_class"] += 1
            return None
        self.counts["answered"] += 1
        return build_ack(request=request, server_id=self.config.server_id, options=self._options)

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
