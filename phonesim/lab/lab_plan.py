"""What each lab server is configured with, worked out from a layout and a scenario.

Kept apart from starting the servers so the plan can be checked without
sockets: which options each DHCP server sends, which records the zone holds,
which names the registrar's certificate carries.
"""

from __future__ import annotations

from phonesim.codec.sip_server_option import (
    encode_sip_server_addresses,
    encode_sip_server_names,
)
from phonesim.lab.dhcp_responder import LabDhcpServer
from phonesim.lab.directory import LabDirectory
from phonesim.lab.dns_server import LabZone
from phonesim.lab.layout import LabLayout
from phonesim.lab.scenario import OPTION_43, OPTION_120, DhcpServerSpec, LabScenario

REGISTRAR_SRV = "_sipinternaltls._tcp"
NTP_SRV = "_ntp._udp"
SIP_PORT = 5061
NTP_PORT = 123


class LabPlan:
    def __init__(self, layout: LabLayout, scenario: LabScenario) -> None:
        self.layout = layout
        self.scenario = scenario

    # -- DHCP ---------------------------------------------------------------------

    def dhcp_servers(self) -> list[LabDhcpServer]:
        return [
            LabDhcpServer(
                server_id=spec.server_id or self.layout.address,
                options=tuple(self.dhcp_options(spec)),
                delay=spec.delay,
                from_attempt=spec.from_attempt,
            )
            for spec in self.scenario.dhcp_servers
        ]

    def dhcp_options(self, spec: DhcpServerSpec) -> list[tuple[int, bytes]]:
        options: list[tuple[int, bytes]] = []
        option_120 = self._option_120(spec)
        if option_120 is not None:
            options.append((OPTION_120, option_120))
        option_43 = self._option_43(spec)
        if option_43 is not None:
            options.append((OPTION_43, option_43))
        return options + list(spec.extra_options)

    def _option_120(self, spec: DhcpServerSpec) -> bytes | None:
        if spec.option_120_bytes is not None:
            return spec.option_120_bytes
        if spec.registrar_addresses:
            return encode_sip_server_addresses(spec.registrar_addresses)
        names = self._registrar_names_of(spec)
        return encode_sip_server_names(names) if names else None

    def _registrar_names_of(self, spec: DhcpServerSpec) -> list[str]:
        if spec.option_120_bytes is not None or spec.registrar_addresses:
            return []
        if spec.registrars is None:
            return [self.layout.pool_fqdn]
        return [self.layout.fqdn(name) for name in spec.registrars]

    def _option_43(self, spec: DhcpServerSpec) -> bytes | None:
        value: bytes | None
        if spec.option_43_bytes is not None:
            value = spec.option_43_bytes
        elif spec.option_43 is None:
            return None
        else:
            fqdn = self.layout.fqdn(spec.option_43.web_fqdn or self.layout.web_name)
            value = spec.option_43.encode(fqdn)
        if spec.option_43_cut_at_hex is not None:
            value = value[: spec.option_43_cut_at_hex // 2]
        return value

    # -- DNS ----------------------------------------------------------------------

    def zone(self) -> LabZone:
        layout = self.layout
        fqdn = layout.fqdn
        srv: dict[str, list[tuple[int, int, int, str]]] = {
            fqdn(REGISTRAR_SRV): [(0, 0, SIP_PORT, layout.pool_fqdn)],
            fqdn(NTP_SRV): [(0, 0, NTP_PORT, layout.time_fqdn)],
        }
        # ucupdates-r2: the Device Update name a pool publishes for its phones (UP-9170aa30).
        updates = fqdn("ucupdates-r2")
        hosts = [
            layout.pool_fqdn,
            layout.web_fqdn,
            layout.time_fqdn,
            updates,
            *self.registrar_roles(),
            *self.backup_pool(),
        ]
        for spec in self.scenario.dhcp_servers:
            hosts += self._registrar_names_of(spec)
            if spec.option_43 is not None and spec.option_43.web_fqdn:
                hosts.append(fqdn(spec.option_43.web_fqdn))
        a = {
            host: [layout.address]
            for host in hosts
            if host == layout.domain or host.endswith("." + layout.domain)
        }
        dns = self.scenario.dns
        for name in dns.remove:
            srv.pop(fqdn(name), None)
            a.pop(fqdn(name), None)
        for name, records in dns.srv.items():
            srv[fqdn(name)] = [(p, w, port, fqdn(target)) for p, w, port, target in records]
        for name, addresses in dns.a.items():
            a[fqdn(name)] = list(addresses)
        return LabZone(origin=layout.domain, srv=srv, a=a)

    # -- registrar and users --------------------------------------------------------

    def registrar_roles(self) -> dict[str, str | None]:
        """Registrars with a role of their own, by FQDN: a Director -> the home pool it
        redirects to; a home pool -> None."""
        fqdn = self.layout.fqdn
        roles: dict[str, str | None] = {}
        for director, home in self.scenario.registrar.redirect.items():
            roles[fqdn(director)] = fqdn(home)
        for home in self.scenario.registrar.redirect.values():
            roles.setdefault(fqdn(home), None)
        return roles

    def backup_pool(self) -> list[str]:
        """The backup pool the provisioning answer names, if the scenario has one."""
        backup = self.scenario.registrar.backup_pool
        return [] if backup is None else [self.layout.fqdn(backup)]

    def registrar_names(self) -> list[str]:
        """Every name a phone may reach the registrar by, and the lab address (option 120
        encoding 1): the names a pool's certificate carries."""
        names = [self.layout.pool_fqdn]
        for spec in self.scenario.dhcp_servers:
            names += self._registrar_names_of(spec)
        for owner, records in self.zone().srv.items():
            if owner.startswith("_sip"):
                names += [target for _p, _w, _port, target in records]
        names += self.registrar_roles()
        names += self.backup_pool()
        names.append(self.layout.address)
        return list(dict.fromkeys(names))

    def directory(self, base: LabDirectory) -> LabDirectory:
        directory = base
        for user in self.scenario.users:
            directory = directory.adjusted(
                user.extension, pin=user.pin, sip_enabled=user.sip_enabled
            )
        for user in self.scenario.users:
            if user.failed_attempts:
                directory.record_failures(user.extension, user.failed_attempts)
        return directory
