"""A live phone's sockets: the interface it names, and one clear line when privilege is missing."""

from __future__ import annotations

import socket

import pytest

from phonesim.drivers import dhcp_interface, dhcp_packet_socket
from phonesim.drivers.dhcp_interface import PrivilegeNeeded, bind_udp_socket, interface_facts
from phonesim.errors import UsageError


def test_loopback_facts() -> None:
    facts = interface_facts("lo")
    assert (facts.name, facts.mac, facts.address) == ("lo", "00:00:00:00:00:00", "127.0.0.1")


def test_an_unknown_interface_is_named() -> None:
    with pytest.raises(UsageError, match="'nosuch0': no such network interface"):
        interface_facts("nosuch0")


class RefusingSocket(socket.socket):
    def bind(self, address: object) -> None:
        raise PermissionError(13, "Permission denied")


def test_port_68_without_privilege_names_what_is_needed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dhcp_interface.socket, "socket", RefusingSocket)
    with pytest.raises(PrivilegeNeeded) as caught:
        bind_udp_socket(address="", port=68, interface=None, role="DHCP client port")
    message = str(caught.value)
    assert "UDP port 68" in message
    assert "root or CAP_NET_BIND_SERVICE" in message
    assert "\n" not in message


def test_a_port_held_by_another_program_is_said_so() -> None:
    holder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    holder.bind(("127.0.0.1", 0))
    try:
        with pytest.raises(UsageError, match="held by another program"):
            bind_udp_socket(
                address="127.0.0.1",
                port=holder.getsockname()[1],
                interface=None,
                role="DHCP client port",
            )
    finally:
        holder.close()


def test_an_address_this_machine_lacks_is_said_so() -> None:
    with pytest.raises(UsageError, match="not an address of this machine"):
        bind_udp_socket(address="198.51.100.77", port=0, interface=None, role="DHCP client port")


def test_a_packet_socket_without_privilege_names_cap_net_raw(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: object) -> socket.socket:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(dhcp_packet_socket.socket, "socket", refuse)
    with pytest.raises(PrivilegeNeeded, match="root or CAP_NET_RAW"):
        dhcp_packet_socket.open_packet_socket("lo", "00:04:f2:aa:bb:cc")
