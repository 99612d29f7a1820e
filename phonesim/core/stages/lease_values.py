"""The lease's values taken up, each before anything the laptop knows (fidelity rows 4, 5).

A phone has no keypad for a DNS server or a domain: it uses what its lease gives (options
6, 15, 4, 42). phonesim runs on a laptop, so a boot without a lease borrows the laptop's
resolv.conf; a lease's values come first, and only the user's own `--domain` / `--dns`
override them. The trace says where each value came from.
"""

from __future__ import annotations

from dataclasses import replace

from phonesim.codec.dhcp_message import DhcpMessage
from phonesim.codec.lease_options import LeaseValues
from phonesim.core.commands import TakeLease
from phonesim.core.context import BootContext
from phonesim.core.identity import NetworkSettings
from phonesim.core.trace_bringup import DHCP_DOMAIN_FROM_ACK, LEASE_OPTION_MISSING, LEASE_VALUES
from phonesim.errors import MalformedOption

USER = "user"
LEASE = "lease"
INFORM_ACK = "inform-ack"
LAPTOP = "laptop"


def take_lease(ctx: BootContext, values: LeaseValues) -> None:
    """The phone holds `values.address` from now on, with the lease's DNS, domain and time."""
    network = ctx.network
    vlan = ctx.bringup.vlan
    domain, domain_source = network.dns_domain, network.domain_source
    if domain_source != USER and values.domain:
        domain, domain_source = values.domain, LEASE
    dns, dns_source = network.dns_servers, network.dns_source
    if not (dns_source == USER and dns) and values.dns_servers:
        dns, dns_source = values.dns_servers, LEASE
    time_servers = tuple(dict.fromkeys((*values.ntp_servers, *values.time_servers)))
    if time_servers:
        ctx.ntp_servers = time_servers
        ctx.bringup.ntp_source = LEASE
    ctx.bringup.lease = values
    ctx.network = NetworkSettings(
        address=values.address,
        dns_domain=domain,
        domain_source=domain_source,
        dns_servers=dns,
        dns_source=dns_source,
    )
    where = f"the lease on VLAN {vlan}" if vlan else "the lease"
    missing = []
    if not values.dns_servers:
        missing.append(6)
        ctx.out.trace(
            LEASE_OPTION_MISSING,
            option=6,
            vlan=vlan,
            note=f"{where} has no option 6 (DNS servers)"
            + (f"; using the {dns_source}'s" if dns else "; the phone has no DNS server"),
        )
    if not values.domain:
        missing.append(15)
        ctx.out.trace(
            LEASE_OPTION_MISSING,
            option=15,
            vlan=vlan,
            note=f"{where} has no option 15 (domain)"
            + (f"; using the {domain_source}'s" if domain else "; the phone has no DNS domain"),
        )
    ctx.out.send(
        TakeLease(
            address=values.address,
            mask=values.mask,
            router=values.routers[0] if values.routers else None,
            server=values.server_id,
            lease_time=values.lease_time,
            dns_servers=dns,
        )
    )
    fields: dict[str, object] = {
        "address": values.address,
        "domain": domain or None,
        "domain_source": domain_source if domain else None,
        "dns_servers": list(dns),
        "dns_source": dns_source if dns else None,
        "ntp_servers": list(ctx.ntp_servers),
        "ntp_source": ctx.bringup.ntp_source or None,
    }
    if missing:
        fields["missing"] = missing
    ctx.out.trace(LEASE_VALUES, **{k: v for k, v in fields.items() if v is not None})


def take_ack_domain(ctx: BootContext, message: DhcpMessage, server: str) -> None:
    """Without a lease that named one, the INFORM's ACK gives the domain (option 15) before
    the laptop does; the user's `--domain` still overrides it."""
    network = ctx.network
    if network.domain_source not in ("", LAPTOP):
        return
    try:
        domain = (message.domain_name or "").strip(".")
    except MalformedOption:
        return
    if not domain:
        return
    ctx.network = replace(network, dns_domain=domain, domain_source=INFORM_ACK)
    fields = {"domain": domain, "server": server}
    if network.dns_domain:
        fields |= {"replaces": network.dns_domain, "replaces_source": network.domain_source}
    ctx.out.trace(DHCP_DOMAIN_FROM_ACK, **fields)


__all__ = ["INFORM_ACK", "LAPTOP", "LEASE", "USER", "take_ack_domain", "take_lease"]
