"""Network namespaces for tests that run real servers (dnsmasq, unbound, Kea...).

Each test gets its own namespace joined to the host by a veth pair on a
documentation subnet (198.51.100.0/24 or 192.0.2.0/24, whichever no route of
the host already uses: a machine may sit on one of them itself, and a test
must never steer traffic to its real network). The host side is `.1`, the
namespace side `.53`. Servers start inside with `ip netns exec`; on exit every
process started is killed by PID and the namespace and link are deleted.

A second server on the same segment lives in a neighbour namespace, joined by
a macvlan (bridge mode) on the namespace's end of the veth: broadcasts from
the host reach both, and each server answers with its own address.
"""

from __future__ import annotations

import fcntl
import ipaddress
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

DOCUMENTATION_SUBNETS = ("198.51.100.0/24", "192.0.2.0/24")


def require_netns(*tools: str) -> None:
    """Skip without root or tools; in CI (CI=true) that is a failure, never a skip."""
    missing = [tool for tool in ("ip", *tools) if shutil.which(tool) is None]
    reason = None
    if os.geteuid() != 0:
        reason = "needs root to create network namespaces"
    elif missing:
        reason = f"needs {', '.join(missing)} installed"
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"netns test cannot run in CI: {reason}")
    pytest.skip(reason)


def require_tools(*tools: str) -> None:
    """Skip without the tools (no root needed); in CI (CI=true) that is a failure, never a skip."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if not missing:
        return
    reason = f"needs {', '.join(missing)} installed"
    if os.environ.get("CI") == "true":
        pytest.fail(f"test cannot run in CI: {reason}")
    pytest.skip(reason)


def _ip(*args: str) -> str:
    return subprocess.run(["ip", *args], check=True, capture_output=True, text=True).stdout


def free_documentation_subnet() -> ipaddress.IPv4Network:
    """The first documentation subnet that no route of the host overlaps."""
    routes = json.loads(_ip("-j", "-4", "route", "show", "table", "all"))
    used = []
    for route in routes:
        dst = route.get("dst", "")
        if dst in ("", "default") or route.get("type") in ("broadcast", "local"):
            continue
        try:
            used.append(ipaddress.ip_network(dst, strict=False))
        except ValueError:
            continue
    for text in DOCUMENTATION_SUBNETS:
        subnet = ipaddress.ip_network(text)
        if not any(subnet.overlaps(net) for net in used):
            return subnet
    raise AssertionError(
        f"every documentation subnet {DOCUMENTATION_SUBNETS} is routed on this host"
    )


@dataclass(frozen=True)
class Segment:
    """The veth link between the host and one test namespace."""

    subnet: ipaddress.IPv4Network

    def host(self, number: int) -> str:
        return str(self.subnet.network_address + number)

    @property
    def host_address(self) -> str:
        return self.host(1)

    @property
    def server_address(self) -> str:
        return self.host(53)

    @property
    def prefix(self) -> int:
        return self.subnet.prefixlen


class Namespace:
    def __init__(self, name: str, segment: Segment) -> None:
        self.name = name
        self.segment = segment
        self.host_link = f"ph{os.getpid() % 100000}h"
        self.ns_link = f"ph{os.getpid() % 100000}n"
        self.processes: list[subprocess.Popen[bytes]] = []
        self.neighbours: list[Namespace] = []
        self.address = segment.server_address
        """The namespace's own address on the segment (`.53`; a neighbour's is its own)."""

    def create(self) -> None:
        seg = self.segment
        _ip("netns", "add", self.name)
        _ip("link", "add", self.host_link, "type", "veth", "peer", "name", self.ns_link)
        _ip("link", "set", self.ns_link, "netns", self.name)
        _ip("addr", "add", f"{seg.host_address}/{seg.prefix}", "dev", self.host_link)
        _ip("link", "set", self.host_link, "up")
        self.run("ip", "addr", "add", f"{seg.server_address}/{seg.prefix}", "dev", self.ns_link)
        self.run("ip", "link", "set", self.ns_link, "up")
        self.run("ip", "link", "set", "lo", "up")

    def add_neighbour(self, number: int) -> Namespace:
        """Another namespace on this segment at `.number`, for a second server.

        Its processes are stopped, and it is deleted, with this namespace.
        """
        neighbour = Namespace(f"{self.name}-n{number}", self.segment)
        neighbour.ns_link = f"mv{number}"
        neighbour.address = self.segment.host(number)
        neighbour.processes = self.processes
        _ip("netns", "add", neighbour.name)
        self.neighbours.append(neighbour)
        link = neighbour.ns_link
        self.run(
            "ip", "link", "add", link, "link", self.ns_link, "type", "macvlan", "mode", "bridge"
        )
        self.run("ip", "link", "set", link, "netns", neighbour.name)
        neighbour.run(
            "ip", "addr", "add", f"{self.segment.host(number)}/{self.segment.prefix}", "dev", link
        )
        neighbour.run("ip", "link", "set", link, "up")
        neighbour.run("ip", "link", "set", "lo", "up")
        return neighbour

    def add_address(self, address: str) -> None:
        self.run("ip", "addr", "add", f"{address}/{self.segment.prefix}", "dev", self.ns_link)

    def run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["ip", "netns", "exec", self.name, *argv], check=True, capture_output=True, text=True
        )

    def start(self, argv: Sequence[str], log: Path) -> subprocess.Popen[bytes]:
        handle = log.open("wb")
        process = subprocess.Popen(
            ["ip", "netns", "exec", self.name, *argv], stdout=handle, stderr=subprocess.STDOUT
        )
        handle.close()
        self.processes.append(process)
        return process

    def delete(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)
        for neighbour in self.neighbours:
            subprocess.run(["ip", "netns", "del", neighbour.name], capture_output=True)
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)
        subprocess.run(["ip", "link", "del", self.host_link], capture_output=True)


LOCK_FILE = Path("/run/lock/phonesim-netns.lock")


@contextmanager
def namespace(label: str) -> Iterator[Namespace]:
    """One namespace at a time per machine: two test runs must not route the same subnet."""
    LOCK_FILE.parent.mkdir(parents=True, exist_ok=True)
    with LOCK_FILE.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        ns = Namespace(f"phonesim-{label}-{os.getpid()}", Segment(free_documentation_subnet()))
        try:
            ns.create()
            yield ns
        finally:
            ns.delete()


def wait_until(
    ready: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    process: subprocess.Popen[bytes] | None = None,
    log: Path | None = None,
    interval: float = 0.05,
) -> None:
    """Poll a readiness check (each check bounded by its own timeout) until it passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            text = log.read_text(errors="replace") if log else ""
            raise AssertionError(f"{what} exited with {process.returncode}:\n{text}")
        if ready():
            return
        time.sleep(interval)
    text = log.read_text(errors="replace") if log else ""
    raise AssertionError(f"{what} not ready within {timeout} s\n{text}")
