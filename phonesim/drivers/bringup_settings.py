"""What the phone knows of its network at power-on.

A phone that takes its own lease powers on knowing nothing of the network but what the
user told it (`--domain`, `--dns`): the laptop's resolv.conf and the lab's own settings
are the laptop's, not the phone's. A boot without a lease keeps today's settings.
"""

from __future__ import annotations

from phonesim.core.identity import NetworkSettings
from phonesim.core.stage import Stage
from phonesim.drivers.network import Network

USER = "user"


def phone_settings(network: Network, bringup: frozenset[Stage]) -> NetworkSettings:
    if Stage.LEASE not in bringup:
        return NetworkSettings(
            address=network.address,
            dns_domain=network.domain,
            domain_source=network.domain_source,
            dns_servers=(network.dns_server[0],),
            dns_source=network.dns_source,
        )
    user_domain = network.domain_source == USER and bool(network.domain)
    user_dns = network.dns_source == USER
    return NetworkSettings(
        address="0.0.0.0",
        dns_domain=network.domain if user_domain else "",
        domain_source=USER if user_domain else "",
        dns_servers=(network.dns_server[0],) if user_dns else (),
        dns_source=USER if user_dns else "",
    )


__all__ = ["phone_settings"]
