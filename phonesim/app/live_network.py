"""A phone on a real network: where it sits and where its servers are, as a Network.

Nothing is broadcast unless an interface is named. The phone's address
defaults to the interface's, and its DNS server and domain to what the
machine's own lease gave it (/etc/resolv.conf), since a laptop plugged into
the phone VLAN got the same options a phone there gets.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from phonesim.app.network import host_port
from phonesim.codec.address_text import is_ipv4
from phonesim.drivers.network import BROADCAST, Network
from phonesim.errors import UsageError

if TYPE_CHECKING:
    from phonesim.drivers.dhcp_interface import InterfaceFacts

RESOLV_CONF = Path("/etc/resolv.conf")
UNKNOWN = "0.0.0.0"
"""An address the phone does not have yet: its lease gives it."""


@dataclass(frozen=True)
class LiveTarget:
    """Real servers, as the user named them (each None when not named)."""

    dhcp_server: str | None = None
    """IP[:PORT]: the INFORM goes there by unicast; None with an interface: broadcast."""
    iface: str | None = None
    dns: str | None = None
    """IP[:PORT] of the phone's DNS server; None: the machine's own."""
    domain: str | None = None
    """The phone's DNS domain (option 15 of its lease); None: the machine's own."""
    address: str | None = None
    """The phone's IPv4 address; None: the interface's."""
    giaddr: str | None = None
    client_port: int = 68
    mac_source: str | None = None
    """Where the phone's MAC comes from when none is given ("profile" or "interface");
    None: the interface's when there is one."""
    own_lease: bool = False
    """The phone takes its own lease (`--bring-up`): its address, DNS server and domain
    come from it, so none is needed from the user or the machine."""

    @property
    def named(self) -> bool:
        """A real network is named by its DHCP server or the interface to broadcast on."""
        return self.dhcp_server is not None or self.iface is not None


@dataclass(frozen=True)
class LiveNetwork:
    network: Network
    notes: tuple[str, ...]
    """Defaults taken from the machine, said aloud so the user can override them."""


def live_network(target: LiveTarget) -> LiveNetwork:
    from phonesim.drivers.dhcp_interface import interface_facts

    if not 0 <= target.client_port <= 65535:
        raise UsageError(f"--client-port {target.client_port} is not a port number")
    notes: list[str] = []
    facts = interface_facts(target.iface) if target.iface else None
    if target.giaddr is not None and target.dhcp_server is None:
        raise UsageError("--giaddr relays the INFORM to a named server: give --dhcp-server too")
    if target.own_lease:
        return _leasing_network(target, facts)
    address = target.address
    if address is None and facts is not None:
        if facts.address is None:
            raise UsageError(f"{facts.name} has no IPv4 address: give the phone's with --address")
        address = facts.address
    if address is None:
        raise UsageError("--dhcp-server without --iface needs --address (the phone's IPv4)")
    _check_ipv4("--address", address)
    dns_server, domain, sources = _dns_settings(target, notes)
    server = host_port(target.dhcp_server, 67) if target.dhcp_server else (BROADCAST, 67)
    network = Network(
        dhcp_server=server,
        dns_server=dns_server,
        address=address,
        domain=domain,
        local_dhcp=("" if facts is not None else address, target.client_port),
        interface=target.iface,
        giaddr=target.giaddr,
        mac_source=target.mac_source or ("interface" if facts is not None else "profile"),
        dns_source=sources[0],
        domain_source=sources[1],
    )
    return LiveNetwork(network, tuple(notes))


def _leasing_network(target: LiveTarget, facts: InterfaceFacts | None) -> LiveNetwork:
    """A phone that takes its own lease: only what the user gave overrides the lease."""
    if facts is None:
        raise UsageError("--bring-up takes a lease on the interface it names: give --iface")
    if target.dhcp_server is not None or target.giaddr is not None:
        raise UsageError("--bring-up broadcasts its DHCP on --iface: leave out --dhcp-server")
    if target.address is not None:
        _check_ipv4("--address", target.address)
    dns_server = host_port(target.dns, 53) if target.dns else (UNKNOWN, 53)
    network = Network(
        dhcp_server=(BROADCAST, 67),
        dns_server=dns_server,
        address=target.address or UNKNOWN,
        domain=target.domain or "",
        local_dhcp=("", target.client_port),
        interface=target.iface,
        mac_source=target.mac_source or "interface",
        dns_source="user" if target.dns else "",
        domain_source="user" if target.domain else "",
    )
    return LiveNetwork(network, ("address, DNS servers and domain from the phone's own lease",))


def _dns_settings(
    target: LiveTarget, notes: list[str]
) -> tuple[tuple[str, int], str, tuple[str, str]]:
    """The DNS server and domain, and who gave each (`user` or `laptop`)."""
    dns_server = host_port(target.dns, 53) if target.dns else None
    domain = target.domain
    sources = ("user" if dns_server else "laptop", "user" if domain else "laptop")
    if dns_server is None or domain is None:
        lease_server, lease_domain = _machine_lease()
        if dns_server is None and lease_server is not None:
            dns_server = (lease_server, 53)
            notes.append(f"DNS server {lease_server} from {RESOLV_CONF} (--dns to change)")
        if domain is None and lease_domain is not None:
            domain = lease_domain
            notes.append(f"domain {lease_domain} from {RESOLV_CONF} (--domain to change)")
    if dns_server is None:
        raise UsageError(f"give the phone's DNS server with --dns ({RESOLV_CONF} names none)")
    if domain is None:
        raise UsageError(
            f"give the phone's DNS domain (option 15 of its lease) with --domain "
            f"({RESOLV_CONF} has no domain or search line; the bring-up, without "
            "--no-bring-up, takes it from the phone's own lease)"
        )
    return dns_server, domain, sources


def _machine_lease() -> tuple[str | None, str | None]:
    import dns.name
    import dns.resolver

    resolver = dns.resolver.Resolver(configure=False)
    try:
        resolver.read_resolv_conf(str(RESOLV_CONF))
    except dns.resolver.NoResolverConfiguration:
        return None, None
    server = next((s for s in resolver.nameservers if is_ipv4(str(s))), None)
    names = list(resolver.search) or ([resolver.domain] if resolver.domain != dns.name.root else [])
    domain = names[0].to_text(omit_final_dot=True) if names else None
    return (None if server is None else str(server)), domain


def _check_ipv4(option: str, text: str) -> None:
    if not is_ipv4(text):
        raise UsageError(f"{option} {text!r} is not an IPv4 address")
