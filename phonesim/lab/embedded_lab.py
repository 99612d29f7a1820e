"""The whole lab on loopback: DHCP, DNS, time, web services and registrar of one pool.

The lab advertises a real deployment's standard ports (443 in option 43, 5061
in SRV, 123 for time) but listens on unprivileged ones chosen by the kernel;
`LabEndpoints.port_map` says which real port stands for which standard one.
Because of that, a phone's discovery cache stays valid across lab restarts.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from phonesim.codec.dhcp_message import load_packet_library
from phonesim.errors import LabDataError, UsageError
from phonesim.lab.capture_responder import CapturedExchange, CaptureResponder
from phonesim.lab.certificate_authority import LabCertificateAuthority
from phonesim.lab.dhcp_responder import LabDhcpResponder
from phonesim.lab.directory import LabDirectory
from phonesim.lab.dns_server import LabDnsServer
from phonesim.lab.lab_layout import LabLayout
from phonesim.lab.lab_servers import configure_lab, scenario_layout
from phonesim.lab.registrar import LabRegistrar
from phonesim.lab.scenario import LabScenario
from phonesim.lab.time_server import LabTimeServer
from phonesim.lab.web_services import LabWebServices

__all__ = ["EmbeddedLab", "LabEndpoints", "LabLayout"]


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
    scenario: str = "healthy"
    capture: str | None = None
    """The capture whose DHCP answers the lab serves, if it serves one."""

    @property
    def site(self) -> str | None:
        """What the lab reproduces besides a healthy pool: a phone meeting it starts fresh."""
        if self.capture is not None:
            return f"the site captured in {self.capture}"
        if self.scenario != "healthy":
            return f"scenario {self.scenario}"
        return None

    pid: int | None = None
    """The process serving the lab: a boot can tell a lab that is gone from a slow one."""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["port_map"] = {str(k): v for k, v in self.port_map.items()}
        return data

    def write(self, path: Path) -> None:
        """Written whole then renamed: another process waits for this file."""
        partial = path.with_name(path.name + ".partial")
        try:
            partial.write_text(json.dumps(self.to_json(), indent=2) + "\n")
            partial.replace(path)
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise LabDataError(
                str(path), f"cannot write the endpoints file: {error.strerror}"
            ) from None

    def withdraw(self, path: Path) -> None:
        """Remove the endpoints file, unless another lab has written its own there since."""
        try:
            if self._read(path).pid != self.pid:
                return
            path.unlink()
        except (OSError, LabDataError):
            pass  # gone already, or not ours to remove

    @classmethod
    def from_file(cls, path: Path) -> LabEndpoints:
        """The endpoints of the lab that wrote this file, checked to be still running.

        A file left behind by a lab that stopped would otherwise cost a boot
        its whole DHCP and DNS retry schedule, about a minute, with nothing
        listening on any port.
        """
        endpoints = cls._read(path)
        if not endpoints.running():
            which = f" (pid {endpoints.pid})" if endpoints.pid is not None else ""
            raise UsageError(
                f"the lab in {path}{which} is not running (start `phonesim lab` again)"
            )
        return endpoints

    def running(self) -> bool:
        if self.pid is not None and not _process_exists(self.pid):
            return False
        return _accepts_connections(self.address, self.port_map.get(80))

    @classmethod
    def _read(cls, path: Path) -> LabEndpoints:
        try:
            data = json.loads(path.read_text())
            data["port_map"] = {int(k): int(v) for k, v in data["port_map"].items()}
            return cls(**data)
        except FileNotFoundError:
            raise LabDataError(str(path), "no such file (start `phonesim lab` first)") from None
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise LabDataError(str(path), f"not a lab endpoints file: {error}") from None


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _accepts_connections(address: str, port: int | None) -> bool:
    """The lab's plain HTTP port still answers: a pid reused by another program does not."""
    if port is None:
        return False
    try:
        with socket.create_connection((address, port), timeout=1.0):
            return True
    except OSError:
        return False


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
