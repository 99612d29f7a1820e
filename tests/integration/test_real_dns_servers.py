"""The phone's DNS discovery against real DNS servers (unbound, dnsmasq) in a network namespace.

The lab's DHCP answers with option 43 only, so the registrar and the time
server must come from the real server's SRV records, and every host's address
from its A records (unbound does not add the target's A record to an SRV
answer, so the phone must ask again; protocol.md §11).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import dns.resolver
import pytest

from phonesim.app.boot import boot_phone
from phonesim.app.network import lab_network
from phonesim.core.outcome import Success
from phonesim.lab.dhcp_responder import DhcpResponderConfig
from phonesim.lab.dns_server import LabZone
from phonesim.lab.embedded_lab import EmbeddedLab
from phonesim.profiles import load_profile
from tests.netns import Segment, namespace, require_netns, wait_until

pytestmark = pytest.mark.netns


def unbound_command(zone: LabZone, segment: Segment, workdir: Path) -> list[str]:
    lines = [
        "server:",
        f"  interface: {segment.server_address}",
        "  port: 53",
        "  do-daemonize: no",
        '  username: ""',
        '  chroot: ""',
        f'  directory: "{workdir}"',
        '  pidfile: ""',
        "  use-syslog: no",
        "  module-config: iterator",
        f"  access-control: {segment.subnet} allow",
        f'  local-zone: "{zone.origin}." static',
    ]
    for name, records in zone.srv.items():
        for priority, weight, port, target in records:
            lines.append(
                f'  local-data: "{name}. {zone.ttl} IN SRV {priority} {weight} {port} {target}."'
            )
    for name, addresses in zone.a.items():
        for address in addresses:
            lines.append(f'  local-data: "{name}. {zone.ttl} IN A {address}"')
    lines += ["remote-control:", "  control-enable: no"]
    config = workdir / "unbound.conf"
    config.write_text("\n".join(lines) + "\n")
    return ["unbound", "-d", "-c", str(config)]


def dnsmasq_command(zone: LabZone, segment: Segment, workdir: Path) -> list[str]:
    argv = [
        "dnsmasq",
        "--keep-in-foreground",
        "--conf-file=/dev/null",
        "--no-resolv",
        "--no-hosts",
        "--bind-interfaces",
        f"--listen-address={segment.server_address}",
        "--port=53",
        f"--pid-file={workdir / 'dnsmasq.pid'}",
        "--log-facility=-",
    ]
    for name, records in zone.srv.items():
        for priority, weight, port, target in records:
            argv.append(f"--srv-host={name},{target},{port},{priority},{weight}")
    for name, addresses in zone.a.items():
        for address in addresses:
            argv.append(f"--host-record={name},{address}")
    return argv


COMMANDS = {"unbound": unbound_command, "dnsmasq": dnsmasq_command}


def _answers(name: str, server: str) -> bool:
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [server]
    resolver.lifetime = 0.5
    try:
        resolver.resolve(name, "SRV", search=False)
    except dns.exception.DNSException:
        return False
    return True


@pytest.mark.parametrize("server", sorted(COMMANDS))
def test_registrar_and_time_come_from_a_real_dns_server(server: str, tmp_path: Path) -> None:
    require_netns(server)

    async def scenario() -> None:
        async with EmbeddedLab() as lab:
            assert lab.dns is not None and lab.dhcp is not None
            lab.dhcp.reconfigure(DhcpResponderConfig(sip_servers=[], web_fqdn=lab.layout.web_fqdn))
            srv_name = f"_sipinternaltls._tcp.{lab.layout.domain}"
            with namespace(server) as ns:
                log = tmp_path / f"{server}.log"
                address = ns.segment.server_address
                process = ns.start(COMMANDS[server](lab.dns.zone, ns.segment, tmp_path), log)
                await asyncio.to_thread(
                    wait_until,
                    lambda: _answers(srv_name, address),
                    timeout=15,
                    what=server,
                    process=process,
                    log=log,
                )
                network = lab_network(lab.endpoints)
                network.dns_server = (address, 53)
                report = await boot_phone(
                    profile=load_profile("polycom-cx600"),
                    sign_in_as="5551234",
                    pin="13579",
                    network=network,
                    seed=1,
                )
            lab_dns_queries = sum(lab.dns.counts.values())
        events = [f"{t.stage}.{t.event}" for t in report.traces]
        assert isinstance(report.outcome, Success), report.result
        decided = next(t for t in report.traces if t.event == "decided")
        assert decided.fields["registrar_source"] == "dns"
        assert decided.fields["registrars"] == [f"{lab.layout.pool_fqdn}:5061"]
        synced = next(t for t in report.traces if t.event == "synchronized")
        assert synced.fields["server"] == lab.layout.time_fqdn
        assert "registrar.challenge" in events
        assert lab_dns_queries == 0  # every answer came from the real server

    asyncio.run(scenario())
