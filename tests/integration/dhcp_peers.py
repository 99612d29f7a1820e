"""dnsmasq, Kea and ISC dhcpd on one interface of a test namespace, configured by
`phonesim dhcp-config` plus the site's own network options.

`dhcp-config` writes what DHCPUtil adds for the phones (43, 120, the VLAN
answer) and, given `--pool`, the range to lease; the router, DNS servers,
domain and time servers (3, 6, 15, 42, 4) are the site's scope, which neither
writes: they are appended here in each server's own terms. Runtime files stay
in the test's folder.
"""

from __future__ import annotations

import ipaddress
import json
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from phonesim.cli import main as phonesim_main
from tests.netns import Namespace

SERVERS = ("dnsmasq", "kea", "isc-dhcpd")
TOOLS = {"dnsmasq": "dnsmasq", "kea": "kea-dhcp4", "isc-dhcpd": "dhcpd"}


@dataclass(frozen=True)
class SiteScope:
    router: str
    dns_server: str
    domain: str
    time_server: str


def pool_of(subnet: ipaddress.IPv4Network) -> str:
    base = subnet.network_address
    return f"{base + 100}-{base + 149}"


def generate(
    kind: str,
    path: Path,
    subnet: ipaddress.IPv4Network,
    interface: str,
    extra: Sequence[str],
    *,
    pool: str | None = None,
) -> Path:
    """`pool` (FIRST-LAST) for a subnet smaller than a /24, where `pool_of` does not fit."""
    argv = ["dhcp-config", "--format", kind, "--subnet", str(subnet)]
    argv += ["--pool", pool or pool_of(subnet)]
    if kind == "kea":
        argv += ["--interface", interface]
    assert phonesim_main([*argv, *extra, "--output", str(path)]) == 0
    return path


def with_site_scope(kind: str, config: Path, scope: SiteScope | None) -> Path:
    if scope is None:
        return config
    if kind == "kea":
        settings = json.loads(config.read_text())
        settings["Dhcp4"]["option-data"] += [
            {"name": "routers", "data": scope.router},
            {"name": "domain-name-servers", "data": scope.dns_server},
            {"name": "domain-name", "data": scope.domain},
            {"name": "ntp-servers", "data": scope.time_server},
            {"name": "time-servers", "data": scope.time_server},
        ]
        config.write_text(json.dumps(settings, indent=2))
    elif kind == "dnsmasq":
        with config.open("a") as out:
            out.write(
                f"dhcp-option=3,{scope.router}\ndhcp-option=6,{scope.dns_server}\n"
                f"dhcp-option=15,{scope.domain}\ndhcp-option=42,{scope.time_server}\n"
                f"dhcp-option=4,{scope.time_server}\n"
            )
    else:
        with config.open("a") as out:
            out.write(
                f"option routers {scope.router};\n"
                f"option domain-name-servers {scope.dns_server};\n"
                f'option domain-name "{scope.domain}";\n'
                f"option ntp-servers {scope.time_server};\n"
                f"option time-servers {scope.time_server};\n"
            )
    return config


def start_server(
    kind: str, ns: Namespace, config: Path, interface: str, workdir: Path
) -> subprocess.Popen[bytes]:
    label = f"{kind}-{interface}"
    log = workdir / f"{label}.log"
    if kind == "dnsmasq":
        argv = [
            "dnsmasq",
            "--keep-in-foreground",
            f"--conf-file={config}",
            "--port=0",
            "--bind-interfaces",
            f"--interface={interface}",
            f"--dhcp-leasefile={workdir / f'{label}.leases'}",
            f"--pid-file={workdir / f'{label}.pid'}",
            "--log-facility=-",
            "--log-dhcp",
        ]
    elif kind == "kea":
        settings = json.loads(config.read_text())
        settings["Dhcp4"]["lease-database"] = {"type": "memfile", "persist": False}
        runtime = workdir / f"{label}.json"
        runtime.write_text(json.dumps(settings, indent=2))
        argv = [
            "env",
            f"KEA_PIDFILE_DIR={workdir}",
            f"KEA_LOCKFILE_DIR={workdir}",
            "kea-dhcp4",
            "-c",
            str(runtime),
        ]
    else:
        leases = workdir / f"{label}.leases"
        leases.touch()
        argv = [
            "dhcpd",
            "-f",
            "-d",
            "-4",
            "-cf",
            str(config),
            "-lf",
            str(leases),
            "-pf",
            str(workdir / f"{label}.pid"),
            interface,
        ]
    return ns.start(argv, log)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def logs(workdir: Path) -> str:
    return "\n".join(
        f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
        for path in sorted(workdir.glob("*.log"))
    )
