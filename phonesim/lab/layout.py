"""Where the lab is: its pool's domain, address and host names (`LabLayout`), and where
a running lab listens (`LabEndpoints`).

Both are plain values, apart from the servers: the lab's plan, its servers and a phone
in another process read them without importing the servers that start a lab.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from phonesim.codec.ocauthws.endpoints import CERT_PROV_PATH
from phonesim.errors import LabDataError, UsageError


@dataclass(frozen=True)
class LabLayout:
    domain: str = "phonesim.test"
    address: str = "127.0.0.1"
    web_name: str = "web01"
    pool_name: str = "pool01"

    def fqdn(self, name: str) -> str:
        """Scenario names are relative to the lab domain when they have no dot
        (`pool01`) or are SRV owner names (`_sipinternaltls._tcp`)."""
        name = name.rstrip(".").lower()
        if name == self.domain or name.endswith("." + self.domain):
            return name
        if "." not in name or name.startswith("_"):
            return f"{name}.{self.domain}"
        return name

    @property
    def pool_fqdn(self) -> str:
        return self.fqdn(self.pool_name)

    @property
    def web_fqdn(self) -> str:
        return self.fqdn(self.web_name)

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
