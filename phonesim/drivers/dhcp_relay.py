"""The INFORM as a DHCP relay agent would forward it: to a named server, with `giaddr` set.

This is how the phone reaches a DHCP server on another subnet, and how a
server picks the subnet (and so the options) it answers with. The phone's
side plays the relay agent too: it sets `giaddr` and counts the hop, sends
from the relay port 67 at `giaddr`, and takes answers wherever servers send
them. Those differ (measured with the Debian 12 packages): dnsmasq answers
the relay at `giaddr`:67, Kea and ISC dhcpd answer the client directly at
`ciaddr`:68, as RFC 2131 §4.3.5 asks for an INFORM. So two sockets listen,
and both hand answers over by transaction id.
"""

from __future__ import annotations

import ipaddress

from phonesim.drivers.dhcp_endpoint import AnswerHandler, DhcpClientEndpoint
from phonesim.drivers.dhcp_interface import DHCP_CLIENT_PORT, DHCP_SERVER_PORT, bind_udp_socket
from phonesim.drivers.packet_capture import DatagramTap, Hop, PacketCapture
from phonesim.errors import UsageError

HOPS_OFFSET = 3
GIADDR_OFFSET = 24


def relayed(payload: bytes, giaddr: str) -> bytes:
    """The same BOOTP message as a relay agent forwards it: giaddr set, one hop more."""
    if len(payload) < GIADDR_OFFSET + 4:
        raise ValueError("not a BOOTP message: shorter than its fixed header")
    message = bytearray(payload)
    message[HOPS_OFFSET] = min(message[HOPS_OFFSET] + 1, 255)
    message[GIADDR_OFFSET : GIADDR_OFFSET + 4] = ipaddress.IPv4Address(giaddr).packed
    return bytes(message)


class RelayDhcpEndpoint(DhcpClientEndpoint):
    """Sends as a relay agent from `giaddr`:67; listens there and on the client port."""

    def __init__(
        self,
        server: tuple[str, int],
        *,
        giaddr: str,
        client_address: str,
        interface: str | None = None,
        client_port: int = DHCP_CLIENT_PORT,
        relay_port: int = DHCP_SERVER_PORT,
        capture: PacketCapture | None = None,
        keep_answers: bool = False,
    ) -> None:
        try:
            ipaddress.IPv4Address(giaddr)
        except ValueError:
            raise UsageError(f"--giaddr {giaddr!r} is not an IPv4 address") from None
        relay_tap = None if capture is None else DatagramTap(capture, Hop(giaddr, relay_port))
        super().__init__(server, tap=relay_tap, keep_answers=keep_answers)
        self.giaddr = giaddr
        self.relay_port = relay_port
        self.client_address = client_address
        self.interface = interface
        self.client_port = client_port
        client_tap = (
            None if capture is None else DatagramTap(capture, Hop(client_address, client_port))
        )
        self.direct = DhcpClientEndpoint(server, tap=client_tap)
        """The phone's own port 68, where Kea and ISC dhcpd answer an INFORM."""

    async def open(self, local: tuple[str, int] = ("", DHCP_SERVER_PORT)) -> None:
        relay = bind_udp_socket(
            address=self.giaddr,
            port=self.relay_port,
            interface=None,
            role="relay agent port",
        )
        await self.open_socket(relay)
        try:
            client = bind_udp_socket(
                address="" if self.interface else self.client_address,
                port=self.client_port,
                interface=self.interface,
                role="DHCP client port",
            )
        except BaseException:
            super().close()
            raise
        await self.direct.open_socket(client)

    def listen(self, xid: int, handler: AnswerHandler, mac: str | None = None) -> None:
        super().listen(xid, handler, mac)
        self.direct.listen(
            xid,
            lambda payload, source: self._deliver(payload, source, self.direct.last_arrival),
            mac,
        )

    def forget(self, xid: int, mac: str | None = None) -> None:
        super().forget(xid, mac)
        if not self.keep_answers:
            self.direct.forget(xid, mac)

    def send(self, payload: bytes) -> None:
        super().send(relayed(payload, self.giaddr))

    def close(self) -> None:
        self.direct.close()
        super().close()
