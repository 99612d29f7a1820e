"""The lab's enterprise DHCP server: the ordinary leases and the `CPE-OCPHONE` VLAN answer,
beside the Communications Server DHCP (INFORM only, `dhcp_responder`).

What it plays is what a site's own DHCP server does for Lync phones (gg412828): on the
untagged (data) network it answers vendor class `CPE-OCPHONE` with option 43 sub-option 10
naming the voice VLAN, in ASCII digits as the Communicator Phone Edition notes give it
(`0a 03 31 35 30` for 150); on the voice VLAN it gives the phone its lease with options 1,
3, 6, 15, 4 and 42. Its vendor-class match is case-sensitive, as dnsmasq's, Kea's and ISC
dhcpd's are. A scenario may break any of this: no VLAN answer, a VLAN on which nobody
leases, an option left out, the VLAN option configured for a differently spelt class.

Addresses come from documentation ranges, one /24 per VLAN: 192.0.2.0/24 untagged,
198.51.100.0/24 on any VLAN (RFC 5737); hosts from .10, the router at .1.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from phonesim.codec.cpe_ocphone_option import VENDOR_CLASS, encode_cpe_ocphone_option
from phonesim.codec.dhcp_lease_messages import build_lease_answer
from phonesim.codec.dhcp_message import (
    DHCPACK,
    DHCPDISCOVER,
    DHCPNAK,
    DHCPOFFER,
    DHCPRELEASE,
    DHCPREQUEST,
    OPTION_REQUESTED_ADDRESS,
    DhcpMessage,
)

UNTAGGED_SUBNET = ipaddress.IPv4Network("192.0.2.0/24")
VLAN_SUBNET = ipaddress.IPv4Network("198.51.100.0/24")
FIRST_HOST = 10
LEASE_OPTIONS = (1, 3, 6, 15, 4, 42)


@dataclass(frozen=True)
class EnterpriseDhcpSpec:
    """A scenario's `[enterprise_dhcp]` table."""

    vlan: int | None = 150
    """The voice VLAN answered to the VLAN query; None: the server has no VLAN option."""
    vlan_as_integer: bool = False
    """Sub-option 10 as a one-byte integer (dnsmasq given an unquoted `150`)."""
    vlan_vendor_class: str = VENDOR_CLASS
    """The class the VLAN option is configured for (matched case-sensitively)."""
    lease_vlans: tuple[int, ...] | None = None
    """VLANs on which the server gives leases; None: untagged and `vlan`."""
    pool_dhcp_vlans: tuple[int, ...] | None = None
    """VLANs on which the pool's Communications Server DHCP answers INFORMs; None: all."""
    omit: tuple[int, ...] = ()
    """Lease options the server leaves out (from 1, 3, 6, 15, 4, 42)."""
    lease_seconds: int = 3600

    def leases_on(self, vlan: int) -> bool:
        served = self.lease_vlans
        if served is None:
            served = (0,) if self.vlan is None else (0, self.vlan)
        return vlan in served

    def informs_on(self, vlan: int) -> bool:
        return self.pool_dhcp_vlans is None or vlan in self.pool_dhcp_vlans


class EnterpriseDhcpServer:
    def __init__(
        self,
        spec: EnterpriseDhcpSpec,
        *,
        server_id: str,
        domain: str,
        dns_server: str,
        ntp_server: str,
    ) -> None:
        self.spec = spec
        self.server_id = server_id
        self.domain = domain
        self.dns_server = dns_server
        self.ntp_server = ntp_server
        self.leases: dict[tuple[str, int], str] = {}
        """(MAC, VLAN) -> the address leased; a RELEASE removes it."""
        self.released: list[tuple[str, str]] = []
        """(MAC, address) of every RELEASE, in order."""
        self._next_host: dict[int, int] = {}
        self.vlan_of: dict[str, int] = {}
        """Where each phone is, as far as this server can tell when nobody tells it: the
        VLAN it named to a phone that then released its untagged lease (the loopback lab,
        where tags never reach the wire)."""

    def answer(self, request: DhcpMessage, vlan: int | None) -> bytes | None:
        """The answer to a DISCOVER, REQUEST or RELEASE the phone sent on `vlan` (None: as
        far as the server can tell); None when it stays silent."""
        on = self.vlan_of.get(request.chaddr, 0) if vlan is None else vlan
        kind = request.message_type
        if kind == DHCPRELEASE:
            self._release(request, on)
            return None
        if not self.spec.leases_on(on):
            return None
        if kind == DHCPDISCOVER:
            return self._reply(request, DHCPOFFER, self._address(request.chaddr, on), on)
        if kind == DHCPREQUEST:
            if request.server_id not in (None, self.server_id):
                return None  # the phone chose another server's offer
            address = self._address(request.chaddr, on)
            wanted = request.options.get(OPTION_REQUESTED_ADDRESS)
            if wanted is not None and str(ipaddress.IPv4Address(wanted)) != address:
                return self._reply(request, DHCPNAK, address, on)
            return self._reply(request, DHCPACK, address, on)
        return None

    def _release(self, request: DhcpMessage, vlan: int) -> None:
        address = self.leases.pop((request.chaddr, vlan), None)
        if address is None:
            return
        self.released.append((request.chaddr, address))
        if vlan == 0 and self.spec.vlan is not None:
            self.vlan_of[request.chaddr] = self.spec.vlan

    def _address(self, mac: str, vlan: int) -> str:
        key = (mac, vlan)
        if key not in self.leases:
            host = self._next_host.get(vlan, FIRST_HOST)
            self._next_host[vlan] = host + 1
            subnet = VLAN_SUBNET if vlan else UNTAGGED_SUBNET
            self.leases[key] = str(subnet.network_address + host)
        return self.leases[key]

    def _reply(self, request: DhcpMessage, kind: int, address: str, vlan: int) -> bytes:
        subnet = VLAN_SUBNET if vlan else UNTAGGED_SUBNET
        values: dict[int, bytes] = {
            1: subnet.netmask.packed,
            3: (subnet.network_address + 1).packed,
            6: ipaddress.IPv4Address(self.dns_server).packed,
            15: self.domain.encode("ascii"),
            4: ipaddress.IPv4Address(self.ntp_server).packed,
            42: ipaddress.IPv4Address(self.ntp_server).packed,
        }
        options = [(code, values[code]) for code in LEASE_OPTIONS if code not in self.spec.omit]
        options.append((51, self.spec.lease_seconds.to_bytes(4, "big")))
        if vlan == 0 and self.spec.vlan is not None and self._asks_vlan(request):
            options.append((43, self._vlan_option(self.spec.vlan)))
        if kind == DHCPNAK:
            options = []
        return build_lease_answer(
            request=request,
            message_type=kind,
            server_id=self.server_id,
            address=address,
            options=options,
        )

    def _asks_vlan(self, request: DhcpMessage) -> bool:
        return request.vendor_class == self.spec.vlan_vendor_class

    def _vlan_option(self, vlan: int) -> bytes:
        if self.spec.vlan_as_integer:
            return bytes((10, 1, vlan)) if vlan < 256 else bytes((10, 2)) + vlan.to_bytes(2, "big")
        return encode_cpe_ocphone_option(vlan)


__all__ = ["EnterpriseDhcpServer", "EnterpriseDhcpSpec"]
