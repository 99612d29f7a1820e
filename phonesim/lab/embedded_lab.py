"""The whole lab on loopback: DHCP, DNS, time, web services and registrar of one pool.

The lab advertises a real deployment's standard ports (443 in option 43, 5061
in SRV, 123 for time) but listens on unprivileged ones chosen by the kernel;
`LabEndpoints.port_map` says which real port stands for which standard one.
Because of that, a phone's discovery cache stays valid across lab restarts.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from phonesim.errors import LabDataError
from phonesim.lab.capture_responder import CapturedExchange, CaptureResponder
from phonesim.lab.certificate_authority import LabCertificateAuthority
from phonesim.lab.dhcp_responder import DhcpResponderConfig, LabDhcpResponder
from phonesim.lab.directory import LabDirectory
from phonesim.lab.dns_server import LabDnsServer, LabZone
from phonesim.lab.registrar import LabRegistrar
from phonesim.lab.time_server import LabTimeServer
from phonesim.lab.web_services import LabWebServices

CERT_PROV_PATH = "/CertProv/CertProvisioningService.svc"


@dataclass(frozen=True)
class LabLayout:
    domain: str = "phonesim.test"
    address: str = "127.0.0.1"

    @property
    def pool_fqdn(self) -> str:
        return f"pool01.{self.domain}"

    @property
    def web_fqdn(self) -> str:
        return f"web01.{self.domain}"

    @property
    def time_fqdn(self) -> str:
        return f"ntp.{self.domain}"

    @property
    def cert_prov_url(self) -> str:
        return f"https://{self.web_fqdn}{CERT_PROV_PATH}"


@dataclass(frozen=True)
class LabEndpoints:
    """Where a running lab listens: enough for a phone in another process to use it."""

    address: str
    domain: str
    dhcp_port: int
    dns_port: int
    port_map: dict[int, int] = field(default_factory=dict)
    pool_fqdn: str = ""
    web_fqdn: str = ""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["port_map"] = {str(k): v for k, v in self.port_map.items()}
        return data

    @classmethod
    def from_file(cls, path: Path) -> LabEndpoints:
        try:
            data = json.loads(path.read_text())
            data["port_map"] = {int(k): int(v) for k, v in data["port_map"].items()}
            return cls(**data)
        except FileNotFoundError:
            raise LabDataError(str(path), "no such file (start `phonesim lab` first)") from None
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise LabDataError(str(path), f"not a lab endpoints file: {error}") from None


class EmbeddedLab:
    def __init__(
        self,
        layout: LabLayout | None = None,
        *,
        users_file: Path | None = None,
        dhcp_capture: CapturedExchange | None = None,
    ) -> None:
        self.layout = layout or LabLayout()
        self.users_file = users_file
        self.dhcp_capture = dhcp_capture
        """When set, DHCP answers with these captured ACKs instead of the lab's own."""
        self.capture_dhcp: CaptureResponder | None = None
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
        now = datetime.now(UTC)
        host = layout.address
        directory = LabDirectory.load(self.users_file)
        try:
            self.ca = LabCertificateAuthority.create(now=now)
            self.web = LabWebServices(web_fqdn=layout.web_fqdn, ca=self.ca, directory=directory)
            await self.web.start(host)
            self.registrar = LabRegistrar(
                pool_fqdn=layout.pool_fqdn,
                sts_uri=layout.cert_prov_url,
                ssl_context=self.ca.server_ssl_context([layout.pool_fqdn], now=now),
            )
            await self.registrar.start(host)
            self.time = LabTimeServer()
            await self.time.start(host)
            self.dns = LabDnsServer(
                LabZone(
                    origin=layout.domain,
                    srv={
                        f"_sipinternaltls._tcp.{layout.domain}": [(0, 0, 5061, layout.pool_fqdn)],
                        f"_ntp._udp.{layout.domain}": [(0, 0, 123, layout.time_fqdn)],
                    },
                    a={
                        layout.pool_fqdn: [host],
                        layout.web_fqdn: [host],
                        layout.time_fqdn: [host],
                    },
                )
            )
            await self.dns.start(host)
            if self.dhcp_capture is not None:
                self.capture_dhcp = CaptureResponder(self.dhcp_capture)
                await self.capture_dhcp.start(host)
                dhcp_port = self.capture_dhcp.port
            else:
                self.dhcp = LabDhcpResponder(
                    DhcpResponderConfig(
                        sip_servers=[layout.pool_fqdn], web_fqdn=layout.web_fqdn, server_id=host
                    )
                )
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
                5061: self.registrar.port,
                123: self.time.port,
            },
            pool_fqdn=layout.pool_fqdn,
            web_fqdn=layout.web_fqdn,
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
