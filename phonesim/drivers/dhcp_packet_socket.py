"""A phone whose MAC is not the interface's: DHCP over a Linux packet socket.

A real phone sends its DHCPINFORM from its own MAC, and Kea answers by raw
socket to the MAC the request came from, without ARP (protocol.md §11). For
a virtual phone with its own MAC that answer is a frame to a foreign MAC:
the kernel drops it before any UDP socket sees it. So the broadcast INFORM
leaves as a whole Ethernet frame from the phone's MAC, and answers are read
from a packet socket that has asked the interface to accept that MAC too
(PACKET_MR_UNICAST; interfaces without a unicast filter turn promiscuous for
as long as the socket is open).

A fleet (`phone_mac` None) has thousands of MACs: the socket then turns the
interface promiscuous, each frame leaves from the MAC its DHCPINFORM names
(chaddr), and answers are routed by xid and chaddr as on any endpoint.

A UDP socket on port 68 stays bound beside it: unicast INFORMs go out through
it (the kernel resolves the server's MAC), and while it is bound the kernel
does not answer servers with ICMP port-unreachable. What it receives is
dropped, since the packet socket sees the same frames.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import time

from phonesim.codec.link_layers import (
    DHCP_PORTS,
    DNS_PORT,
    IP_PROTOCOL_UDP,
    LINKTYPE_ETHERNET,
    find_udp,
)
from phonesim.codec.udp_frame import udp_frame
from phonesim.drivers.dhcp_endpoint import DhcpClientEndpoint
from phonesim.drivers.dhcp_interface import (
    DHCP_CLIENT_PORT,
    DHCP_SERVER_PORT,
    PrivilegeNeeded,
    bind_udp_socket,
)
from phonesim.drivers.packet_capture import BROADCAST_ADDRESS, BROADCAST_MAC, Hop, PacketCapture
from phonesim.errors import UsageError
from phonesim.udp_buffers import enlarge_socket_buffer

ETH_P_IP = 0x0800
SOL_PACKET = 263
PACKET_ADD_MEMBERSHIP = 1
PACKET_MR_PROMISC = 1
PACKET_MR_UNICAST = 3
_MAX_FRAME = 65535
_CIADDR = slice(12, 16)
_CHADDR = slice(28, 34)
_BROADCAST_MAC_BYTES = bytes.fromhex(BROADCAST_MAC.replace(":", ""))
_BROADCAST_IP_BYTES = socket.inet_aton(BROADCAST_ADDRESS)


class PacketSocketDhcpEndpoint(DhcpClientEndpoint):
    """The DhcpClientEndpoint contract (listen, forget, send) over a packet socket."""

    def __init__(
        self,
        server: tuple[str, int],
        *,
        interface: str,
        interface_address: str,
        interface_mac: str,
        phone_mac: str | None,
        client_port: int = DHCP_CLIENT_PORT,
        capture: PacketCapture | None = None,
        keep_answers: bool = False,
    ) -> None:
        super().__init__(server, keep_answers=keep_answers)
        self.interface = interface
        self.interface_address = interface_address
        self.interface_mac = interface_mac
        self.phone_mac = phone_mac
        self._phone_mac_bytes = (
            None if phone_mac is None else bytes.fromhex(phone_mac.replace(":", ""))
        )
        self.client_port = client_port
        self.capture = capture
        self._packet: socket.socket | None = None
        self._udp: socket.socket | None = None
        self.errors = 0
        """Reads the packet socket refused."""
        self._loop: asyncio.AbstractEventLoop | None = None

    async def open(self, local: tuple[str, int] = ("", DHCP_CLIENT_PORT)) -> None:
        self._loop = asyncio.get_running_loop()
        self._udp = bind_udp_socket(
            address="",
            port=self.client_port,
            interface=self.interface,
            role="DHCP client port",
        )
        try:
            self._packet = open_packet_socket(self.interface, self.phone_mac)
        except BaseException:
            self._udp.close()
            self._udp = None
            raise
        self._loop.add_reader(self._packet.fileno(), self._read_frames)
        self._loop.add_reader(self._udp.fileno(), self._drop_datagrams)

    def move_to(self, interface: str) -> None:
        """Speak on `interface` from now on (the VLAN's, once the phone joined it)."""
        self.close()
        self.interface = interface
        self._udp = bind_udp_socket(
            address="", port=self.client_port, interface=interface, role="DHCP client port"
        )
        self._packet = open_packet_socket(interface, self.phone_mac)
        assert self._loop is not None
        self._loop.add_reader(self._packet.fileno(), self._read_frames)
        self._loop.add_reader(self._udp.fileno(), self._drop_datagrams)

    def use_address(self, address: str) -> None:
        """The phone's own lease: its INFORM leaves from this address (ciaddr's)."""
        self.interface_address = address

    @property
    def local_address(self) -> tuple[str, int]:
        """Where the phone's INFORMs leave from: the interface's address, the client port."""
        return self.interface_address, self.client_port

    @property
    def broadcast(self) -> bool:
        return self.server[0] == BROADCAST_ADDRESS

    def send(self, payload: bytes) -> None:
        assert self._packet is not None and self._udp is not None, "open() first"
        self._note_sent()
        if self.broadcast:
            frame = self._broadcast_frame(payload)
            self._packet.send(frame)
            if self.capture is not None:
                self.capture.frame(frame)
            return
        self._udp.sendto(payload, self.server)
        if self.capture is not None:
            self.capture.datagram(
                payload,
                Hop(self.interface_address, self.client_port, self.interface_mac),
                Hop(self.server[0], self.server[1]),
            )

    def _broadcast_frame(self, payload: bytes) -> bytes:
        return udp_frame(
            self._phone_mac_bytes or payload[_CHADDR],
            _BROADCAST_MAC_BYTES,
            # The client's own address as the message gives it (RFC 2131 §4.1): 0.0.0.0
            # before a lease, the leased address after; each fleet phone its own.
            payload[_CIADDR],
            _BROADCAST_IP_BYTES,
            self.client_port,
            DHCP_SERVER_PORT,
            payload,
        )

    def _read_frames(self) -> None:
        assert self._packet is not None
        while True:
            try:
                frame, address = self._packet.recvfrom(_MAX_FRAME)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                self.errors += 1
                return
            arrived = time.monotonic()
            if address[2] == socket.PACKET_OUTGOING:
                continue
            answer = dhcp_answer_in_frame(frame, self.client_port)
            if answer is None:
                continue
            if self.capture is not None:
                self.capture.frame(frame)
            payload, source = answer
            self._deliver(payload, source, arrived)

    def _drop_datagrams(self) -> None:
        assert self._udp is not None
        while True:
            try:
                self._udp.recv(_MAX_FRAME)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return

    def close(self) -> None:
        if self._loop is not None:
            for sock in (self._packet, self._udp):
                if sock is not None:
                    self._loop.remove_reader(sock.fileno())
        for sock in (self._packet, self._udp):
            if sock is not None:
                sock.close()
        self._packet = self._udp = None


def dhcp_answer_in_frame(frame: bytes, client_port: int) -> tuple[bytes, str] | None:
    """The UDP payload and its source `ip:port` when `frame` is IPv4/UDP to `client_port`.

    The packet socket sees every IPv4 frame on the interface; the headers are
    read in place (tested against scapy's dissection), not dissected per frame.
    A server's answer is almost always untagged IPv4 without options: that one is
    read in a single unpack, anything else by `find_udp` (the tests hold the two
    to the same result).
    """
    if len(frame) >= _PLAIN_UDP_END and frame[12:14] == _ETHERTYPE_IPV4:
        first, total, fragment, protocol, source, source_port, port, length = (
            _PLAIN_UDP.unpack_from(frame, 14)
        )
        if first == 0x45 and protocol == IP_PROTOCOL_UDP and not fragment & 0x3FFF:
            if port != client_port or length < 8:
                return None
            if source_port not in _UDP_PORTS_READ and port not in _UDP_PORTS_READ:
                return None
            end = 14 + total if total >= 20 else len(frame)
            payload = frame[_PLAIN_UDP_END : min(end, 34 + length)]
            return payload, f"{socket.inet_ntoa(source)}:{source_port}"
    found = find_udp(LINKTYPE_ETHERNET, frame)
    if isinstance(found, str) or found.destination_port != client_port:
        return None
    return found.payload, f"{found.source}:{found.source_port}"


# Version and header length, total length, fragment field, protocol, source address,
# then the UDP header's ports and length: an untagged IPv4 header of 20 bytes at 14.
_PLAIN_UDP = struct.Struct("!BxHxxHxB2x4s4xHHH")
_PLAIN_UDP_END = 14 + 20 + 8
_ETHERTYPE_IPV4 = b"\x08\x00"
_UDP_PORTS_READ = frozenset((*DHCP_PORTS, DNS_PORT))
"""The ports `find_udp` reads datagrams of, as it does."""


def open_packet_socket(interface: str, phone_mac: str | None) -> socket.socket:
    """An IPv4 packet socket on `interface` that also receives frames sent to `phone_mac`
    (to any MAC, the interface promiscuous, when `phone_mac` is None: a fleet's phones)."""
    whose = f"the phone's MAC {phone_mac}" if phone_mac else "the fleet's phone MACs"
    try:
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
    except PermissionError:
        raise PrivilegeNeeded(
            f"{whose} are not {interface}'s, so answers sent to them are read from a packet "
            "socket, which needs root or CAP_NET_RAW: run phonesim with sudo"
            + (f", or use {interface}'s own MAC (leave out --mac)" if phone_mac else "")
        ) from None
    try:
        sock.bind((interface, 0))
        index = socket.if_nametoindex(interface)
        if phone_mac is None:
            membership = struct.pack("iHH8s", index, PACKET_MR_PROMISC, 0, b"")
        else:
            mac = bytes.fromhex(phone_mac.replace(":", ""))
            membership = struct.pack("iHH8s", index, PACKET_MR_UNICAST, len(mac), mac)
        sock.setsockopt(SOL_PACKET, PACKET_ADD_MEMBERSHIP, membership)
        sock.setblocking(False)
    except OSError as error:
        sock.close()
        raise UsageError(
            f"cannot receive frames for {whose} on {interface}: {error.strerror}"
        ) from None
    enlarge_socket_buffer(sock)
    return sock
