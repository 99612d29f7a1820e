"""The whole lab on loopback: DHCP, DNS, time, web services and registrar of one pool.

The lab advertises a real deployment's standard ports (443 in option 43, 5061
in SRV, 123 for time) but listens on unprivileged ones chosen by the kernel;
`LabEndpoints.port_map` (lab/layout.py) says which real port stands for which standard one.
Because of that, a phone's discovery cache stays valid across lab restarts.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime
from pathlib import Path

from phonesim.codec.dhcp_message import load_packet_library
from phonesim.lab.capture_responder import CapturedExchange, CaptureResponder
from phonesim.lab.certificate_authority import LabCertificateAuthority
from phonesim.lab.dhcp_responder import LabDhcpResponder
from phonesim.lab.directory import LabDirectory
from phonesim.lab.dns_server import LabDnsServer
from phonesim.lab.lab_servers import configure_lab, scenario_layout
from phonesim.lab.layout import LabEndpoints, LabLayout
from phonesim.lab.registrar import LabRegistrar
from phonesim.lab.scenario import LabScenario
from phonesim.lab.time_server import LabTimeServer
from phonesim.lab.web_services import LabWebServices

__all__ = ["EmbeddedLab"]


class EmbeddedLab:
    """Every lab server of one pool, as a scenario says they behave (healthy by default)."""

    def __init__(
        self,
        layout: LabLayout | None = None,
        *,
        users_file: Path | None = None,
        scenario: LabScenario | None = None,
        dhcp_capture: CapturedExchange | None = None,
    ) -> None:
        self.scenario = scenario or LabScenario.healthy()
        self.layout = scenario_layout(self.scenario, layout)
        self.users_file = users_file
        self.dhcp_capture = dhcp_capture
        """When set, DHCP answers with these captured ACKs instead of the scenario's."""
        self.capture_dhcp: CaptureResponder | None = None
        self.directory: LabDirectory | None = None
        """The users the lab serves, as the scenario left them."""
        self.ca: LabCertificateAuthority | None = None
        self.dhcp: LabDhcpResponder | None = None
        self.dns: LabDnsServer | None = None
        self.time: LabTimeServer | None = None
        self.web: LabWebServices | None = None
        self.registrar: LabRegistrar | None = None
        self._endpoints: LabEndpoints | None = None

    @property
    def endpoints(self) -> LabEndpoints:
        if self._endpoints is None:
            raise RuntimeError("the lab is not running")
        return self._endpoints

    async def start(self) -> LabEndpoints:
        layout = self.layout
        scenario = self.scenario
        load_packet_library()
        now = datetime.now(UTC)
        host = layout.address
        users = LabDirectory.load(self.users_file)
        servers = configure_lab(
            layout, scenario, users=users, now=now, dhcp_capture=self.dhcp_capture
        )
        self.directory = servers.directory
        self.ca = servers.ca
        try:
            self.web = servers.web
            await self.web.start(host)
            self.registrar = servers.registrar
            await self.registrar.start(host)
            registrar_port = self.registrar.port
            if not servers.registrar_up:
                await self.registrar.close()
                registrar_port = _closed_port(host)
            self.time = servers.time
            await self.time.start(host)
            self.dns = servers.dns
            await self.dns.start(host)
            if servers.capture_dhcp is not None:
                self.capture_dhcp = servers.capture_dhcp
                await self.capture_dhcp.start(host)
                dhcp_port = self.capture_dhcp.port
            else:
                assert servers.dhcp is not None
                self.dhcp = servers.dhcp
                await self.dhcp.start(host)
                dhcp_port = self.dhcp.port
        except BaseException:
            await self.close()
            raise
        self._endpoints = LabEndpoints(
            address=host,
            domain=layout.domain,
            dhcp_port=dhcp_port,
            dns_port=self.dns.port,
            port_map={
                80: self.web.http_port,
                443: self.web.https_port,
                5061: registrar_port,
                123: self.time.port,
            },
            pool_fqdn=layout.pool_fqdn,
            web_fqdn=layout.web_fqdn,
            scenario=scenario.name,
            capture=None if self.dhcp_capture is None else str(self.dhcp_capture.origin),
            pid=os.getpid(),
        )
        return self._endpoints

    async def close(self) -> None:
        for server in (self.capture_dhcp, self.dhcp, self.dns, self.time, self.registrar, self.web):
            if server is not None:
                await server.close()
        self._endpoints = None

    async def __aenter__(self) -> EmbeddedLab:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def _closed_port(host: str) -> int:
    """A port nothing listens on, so connections to it are refused (a registrar that is down)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
