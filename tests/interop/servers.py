"""Real DHCP servers in a test namespace, each configured from `phonesim dhcp-config` output.

The generated file is used as it is. The only additions are where each server
keeps its runtime files (lease file, pid file), so that a test never writes to
the machine's /var: dnsmasq and dhcpd take them on the command line, Kea in
its `lease-database` (the one value merged into the generated JSON).

Readiness is a DHCPINFORM probe from the host end of the veth, repeated
until every expected server has answered (bounded), never a sleep.
"""

from __future__ import annotations

import json
import select
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from phonesim.cli import main as phonesim_main
from phonesim.codec.dhcp_message import build_inform, decode_dhcp_message
from tests.netns import Namespace

SERVERS = ("dnsmasq", "kea", "isc-dhcpd")
TOOLS = {"dnsmasq": "dnsmasq", "kea": "kea-dhcp4", "isc-dhcpd": "dhcpd"}


def dhcp_config(
    format_name: str,
    path: Path,
    *,
    sip_servers: Sequence[str],
    web_server: str,
    ns: Namespace,
    extra: Sequence[str] = (),
) -> Path:
    """Run `phonesim dhcp-config` as a user would and return the file it wrote."""
    argv = ["dhcp-config", "--format", format_name, "--web-server", web_server]
    for server in sip_servers:
        argv += ["--sip-server", server]
    argv += ["--subnet", str(ns.segment.subnet), "--output", str(path), *extra]
    if format_name == "kea":
        argv += ["--interface", ns.ns_link]
    assert phonesim_main(argv) == 0
    return path


def start_dhcp_server(
    kind: str, ns: Namespace, config: Path, workdir: Path
) -> subprocess.Popen[bytes]:
    log = workdir / f"{kind}-{ns.name}.log"
    if kind == "dnsmasq":
        return ns.start(
            [
                "dnsmasq",
                "--keep-in-foreground",
                f"--conf-file={config}",
                "--port=0",
                "--bind-interfaces",
                f"--interface={ns.ns_link}",
                f"--dhcp-leasefile={workdir / f'dnsmasq-{ns.name}.leases'}",
                f"--pid-file={workdir / f'dnsmasq-{ns.name}.pid'}",
                "--log-facility=-",
                "--log-dhcp",
            ],
            log,
        )
    if kind == "kea":
        settings = json.loads(config.read_text())
        settings["Dhcp4"]["lease-database"] = {"type": "memfile", "persist": False}
        runtime = workdir / f"kea-{ns.name}.json"
        runtime.write_text(json.dumps(settings, indent=2))
        return ns.start(
            [
                "env",
                f"KEA_PIDFILE_DIR={workdir}",
                f"KEA_LOCKFILE_DIR={workdir}",
                "kea-dhcp4",
                "-c",
                str(runtime),
            ],
            log,
        )
    if kind == "isc-dhcpd":
        leases = workdir / f"dhcpd-{ns.name}.leases"
        leases.touch()
        return ns.start(
            [
                "dhcpd",
                "-f",
                "-d",
                "-4",
                "-cf",
                str(config),
                "-lf",
                str(leases),
                "-pf",
                str(workdir / f"dhcpd-{ns.name}.pid"),
                ns.ns_link,
            ],
            log,
        )
    raise ValueError(kind)


def wait_for_dhcp(
    ns: Namespace,
    servers: Sequence[str],
    processes: Sequence[subprocess.Popen[bytes]],
    *,
    timeout: float = 20.0,
) -> None:
    """Probe with INFORMs until every address in `servers` has answered one."""
    waiting = set(servers)
    deadline = time.monotonic() + timeout
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ns.host_link.encode())
        probe.bind(("", 68))
        mac = Path(f"/sys/class/net/{ns.host_link}/address").read_text().strip()
        xid = 0x50000000
        while waiting and time.monotonic() < deadline:
            for process in processes:
                if process.poll() is not None:
                    raise AssertionError(f"{process.args} exited with {process.returncode}")
            xid += 1
            inform = build_inform(
                xid=xid,
                mac=mac,
                ciaddr=ns.segment.host_address,
                vendor_class="phonesim-readiness",
                parameter_request_list=[1],
            )
            probe.sendto(inform, ("255.255.255.255", 67))
            answer_by = min(deadline, time.monotonic() + 0.25)
            while waiting and time.monotonic() < answer_by:
                ready, _, _ = select.select([probe], [], [], max(0.0, answer_by - time.monotonic()))
                if not ready:
                    break
                data, _ = probe.recvfrom(4096)
                message = decode_dhcp_message(data)
                if message.xid == xid:
                    waiting.discard(message.server_id or "")
    finally:
        probe.close()
    if waiting:
        raise AssertionError(f"no DHCP answer from {sorted(waiting)} within {timeout} s")


def server_log(workdir: Path) -> str:
    return "\n".join(
        f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
        for path in sorted(workdir.glob("*.log"))
    )
