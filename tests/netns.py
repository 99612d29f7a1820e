"""Network namespaces for tests that run real servers (dnsmasq, unbound, Kea...).

Each test gets its own namespace joined to the host by a veth pair on
192.0.2.0/24 (documentation addresses): the host side is 192.0.2.1, the
namespace side 192.0.2.53. Servers start inside with `ip netns exec`; on exit
every process started is killed by PID and the namespace deleted.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

HOST_ADDRESS = "192.0.2.1"
SERVER_ADDRESS = "192.0.2.53"


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


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


class Namespace:
    def __init__(self, name: str) -> None:
        self.name = name
        self.host_link = f"ph{os.getpid() % 100000}h"
        self.ns_link = f"ph{os.getpid() % 100000}n"
        self.processes: list[subprocess.Popen[bytes]] = []

    def create(self) -> None:
        _ip("netns", "add", self.name)
        _ip("link", "add", self.host_link, "type", "veth", "peer", "name", self.ns_link)
        _ip("link", "set", self.ns_link, "netns", self.name)
        _ip("addr", "add", f"{HOST_ADDRESS}/24", "dev", self.host_link)
        _ip("link", "set", self.host_link, "up")
        self.run("ip", "addr", "add", f"{SERVER_ADDRESS}/24", "dev", self.ns_link)
        self.run("ip", "link", "set", self.ns_link, "up")
        self.run("ip", "link", "set", "lo", "up")

    def run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["ip", "netns", "exec", self.name, *argv], check=True, capture_output=True, text=True)

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
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)
        subprocess.run(["ip", "link", "del", self.host_link], capture_output=True)


@contextmanager
def namespace(label: str) -> Iterator[Namespace]:
    ns = Namespace(f"phonesim-{label}-{os.getpid()}")
    try:
        ns.create()
        yield ns
    finally:
        ns.delete()


def wait_until(ready: Callable[[], bool], *, timeout: float, what: str, process: subprocess.Popen[bytes] | None = None, log: Path | None = None) -> None:
    """Poll a readiness check (each check bounded by its own timeout) until it passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            text = log.read_text(errors="replace") if log else ""
            raise AssertionError(f"{what} exited with {process.returncode}:\n{text}")
        if ready():
            return
    text = log.read_text(errors="replace") if log else ""
    raise AssertionError(f"{what} not ready within {timeout} s\n{text}")
