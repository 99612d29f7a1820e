"""A site with a voice VLAN in a test namespace, fed only by real servers and the lab's.

On the untagged segment dnsmasq (configured by `phonesim dhcp-config --vlan 150 --pool ...`)
answers the CPE-OCPHONE query with VLAN 150. The switch side's VLAN 150 is a `vlan_bridge`
in the namespace (TAP `v150`), where a lease server (dnsmasq, Kea or ISC dhcpd) leases with
options 3, 6, 15 and 42, a second dnsmasq answers DNS for the lease's domain, and the lab's
web services, registrar and time server listen on the standard ports of the same address.

The voice subnet is the upper half of the segment's documentation /24, which no route of
the host uses (tests/netns.py picks it so): more specific than the segment's own route on
both ends, it takes the phone's TCP and UDP through the VLAN's TAP, never elsewhere.
"""

from __future__ import annotations

import ipaddress
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.integration.dhcp_peers import SiteScope, generate, start_server, with_site_scope
from tests.integration.frame_link import switch_vlan
from tests.netns import Namespace, wait_until

DOMAIN = "phonesim.test"
POOL = "pool01.phonesim.test"
WEB = "web01.phonesim.test"
PHONE_OPTIONS = ["--sip-server", POOL, "--web-server", WEB]
VLAN = 150


@dataclass(frozen=True)
class Site:
    ns: Namespace
    voice: ipaddress.IPv4Network
    scope: SiteScope
    workdir: Path

    @property
    def ca_file(self) -> Path:
        return self.workdir / "lab-ca.pem"


def voice_subnet(ns: Namespace) -> ipaddress.IPv4Network:
    _lower, upper = ns.segment.subnet.subnets(prefixlen_diff=1)
    return upper


def start_site(
    ns: Namespace, workdir: Path, lease_server: str = "dnsmasq", *, without_domain: bool = False
) -> Site:
    """`without_domain`: the lease server (dnsmasq) leaves option 15 out of its answers."""
    voice = voice_subnet(ns)
    base = voice.network_address
    scope = SiteScope(
        router=str(base + 1),
        dns_server=str(base + 53),
        domain=DOMAIN,
        time_server=str(base + 53),
    )
    # The untagged segment's server lives in a neighbour namespace: there its port 67 is
    # its own, and Kea on v150 can bind the VLAN's address (dnsmasq holds 0.0.0.0:67).
    untagged = ns.add_neighbour(54)
    native = generate(
        "dnsmasq",
        workdir / "native.conf",
        ns.segment.subnet,
        untagged.ns_link,
        [*PHONE_OPTIONS, "--vlan", str(VLAN)],
    )
    start_server("dnsmasq", untagged, native, untagged.ns_link, workdir)
    switch_vlan(ns, VLAN, "v150", f"{scope.dns_server}/{voice.prefixlen}", workdir)
    lease = generate(
        lease_server,
        workdir / f"voice-{lease_server}.conf",
        voice,
        "v150",
        PHONE_OPTIONS,
        pool=f"{base + 72}-{base + 121}",
    )
    with_site_scope(lease_server, lease, scope)
    if without_domain:
        assert lease_server == "dnsmasq"
        kept = [line for line in lease.read_text().splitlines() if "dhcp-option=15," not in line]
        lease.write_text("\n".join(kept) + "\n")
    start_server(lease_server, ns, lease, "v150", workdir)
    ns.start(
        [
            "dnsmasq",
            "--keep-in-foreground",
            "--conf-file=/dev/null",
            "--no-resolv",
            "--no-hosts",
            "--bind-interfaces",
            "--interface=v150",
            f"--pid-file={workdir / 'dns.pid'}",
            f"--srv-host=_sipinternaltls._tcp.{DOMAIN},{POOL},5061",
            f"--host-record={POOL},{scope.dns_server}",
            f"--host-record={WEB},{scope.dns_server}",
            "--log-facility=-",
            "--log-queries",
        ],
        workdir / "dnsmasq-dns.log",
    )
    return Site(ns, voice, scope, workdir)


LAB_SERVERS = """
import asyncio, signal, sys
from datetime import UTC, datetime
from pathlib import Path
from phonesim.lab.ca_file import write_ca_file
from phonesim.lab.directory import LabDirectory
from phonesim.lab.lab_servers import configure_lab
from phonesim.lab.layout import LabLayout
from phonesim.lab.scenario import LabScenario

async def serve(address, ca_file):
    lab = configure_lab(LabLayout(address=address), LabScenario.healthy(),
                        users=LabDirectory.load(), now=datetime.now(UTC))
    await lab.web.start(address, ports={"http": 80, "https": 443})
    await lab.registrar.start(address, 5061)
    await lab.time.start(address, 123)
    write_ca_file(Path(ca_file), lab.ca.chain)
    print("ready", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()

asyncio.run(serve(sys.argv[1], sys.argv[2]))
"""


def start_lab_servers(site: Site) -> None:
    """The lab's web services (80, 443), registrar (5061) and NTP (123) on the VLAN's
    address in the namespace, under the names the site's DNS gives; its CA in `ca_file`."""
    log = site.workdir / "lab-servers.log"
    process = site.ns.start(
        [sys.executable, "-c", LAB_SERVERS, site.scope.dns_server, str(site.ca_file)], log
    )
    wait_until(
        lambda: "ready" in log.read_text(),
        timeout=30,
        what="the lab's servers on VLAN 150",
        process=process,
        log=log,
    )


def lease_file(site: Site) -> str:
    return (site.workdir / "dnsmasq-v150.leases").read_text()
