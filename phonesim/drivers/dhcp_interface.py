"""The phone's DHCP client port on a real network: port 68, on the interface the user named.

Real servers answer a DHCPINFORM at `ciaddr`:68 (Kea and ISC dhcpd always;
dnsmasq answers the sender's port), so a live phone must own UDP port 68.
Broadcasts leave only from an interface the user named: the socket is bound to
it with SO_BINDTODEVICE, so 255.255.255.255 never reaches another network.

Binding port 68 takes privilege. When it is missing, one clear line says what
is needed (root or CAP_NET_BIND_SERVICE) instead of a traceback.
"""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass

from phonesim.errors import UsageError

DHCP_CLIENT_PORT = 68
DHCP_SERVER_PORT = 67


class PrivilegeNeeded(UsageError):
    """The operating system refused a socket the live phone needs; the message names the privilege."""


@dataclass(frozen=True)
class InterfaceFacts:
    """What the phone takes from the interface it sits on."""

    name: str
    mac: str
    address: str | None
    """Its IPv4 address, None when it has none."""


def interface_facts(name: str) -> InterfaceFacts:
    from scapy.arch import get_if_addr, get_if_hwaddr

    try:
        socket.if_nametoindex(name)
    except OSError:
        raise UsageError(
            f"--iface {name!r}: no such network interface (`ip link` lists them)"
        ) from None
    try:
        mac = str(get_if_hwaddr(name)).lower()
        address = str(get_if_addr(name))
    except (OSError, ValueError) as error:
        raise UsageError(f"--iface {name!r}: cannot read its addresses: {error}") from None
    return InterfaceFacts(name=name, mac=mac, address=None if address == "0.0.0.0" else address)


def bind_udp_socket(*, address: str, port: int, interface: str | None, role: str) -> socket.socket:
    """A UDP socket bound to `address`:`port` (and to `interface` when given), ready for asyncio.

    SO_REUSEADDR lets the phone share port 68 with a DHCP client already
    running on the machine; bound to the device, it is the more specific
    socket and receives the answers sent to this interface. `role` names the
    socket in error messages ("DHCP client port", "relay agent port").
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        if interface is not None:
            _bind_to_device(sock, interface)
        _bind(sock, address, port, interface, role)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


def _bind_to_device(sock: socket.socket, interface: str) -> None:
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, interface.encode())
    except PermissionError:
        raise PrivilegeNeeded(
            f"binding a socket to interface {interface} needs root or CAP_NET_RAW "
            "(on Linux before 5.7): run phonesim with sudo"
        ) from None
    except OSError as error:
        raise UsageError(
            f"cannot bind a socket to interface {interface}: {error.strerror}"
        ) from None


def _bind(sock: socket.socket, address: str, port: int, interface: str | None, role: str) -> None:
    where = f"UDP port {port}" + (f" on {interface}" if interface else f" at {address or '*'}")
    try:
        sock.bind((address, port))
    except PermissionError:
        raise PrivilegeNeeded(
            f"the {role} is {where}, and binding a port below 1024 needs root or "
            "CAP_NET_BIND_SERVICE: run phonesim with sudo, or grant the capability to the "
            "Python interpreter (setcap cap_net_bind_service+ep)"
        ) from None
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise UsageError(
                f"the {role} ({where}) is held by another program that does not share it"
            ) from None
        if error.errno == errno.EADDRNOTAVAIL:
            raise UsageError(
                f"the {role} ({where}): {address} is not an address of this machine"
            ) from None
        raise UsageError(f"cannot bind the {role} ({where}): {error.strerror}") from None
