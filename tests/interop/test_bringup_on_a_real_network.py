"""The bring-up on a real link: `boot --iface IF --bring-up` in a network namespace fed only
by real servers, with no --domain and no --dns, LLDP-MED sent by the namespace as a switch would.

On the untagged segment dnsmasq (configured by `phonesim dhcp-config --vlan 150 --pool ...`)
answers the CPE-OCPHONE query with VLAN 150. The switch side's VLAN 150 is a `vlan_bridge` in
the namespace, where a second dnsmasq leases with options 3, 6, 15 and 42 and a third answers
DNS for the lease's domain. The phone joins VLAN 150 through its own bridge (a TAP carrying the
lease's address), so its lease, INFORM and DNS all travel tagged.
"""

from __future__ import annotations

import ipaddress
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from phonesim.cli import main
from tests.integration.dhcp_peers import SiteScope, generate, logs, start_server, with_site_scope
from tests.integration.frame_link import switch_vlan
from tests.netns import Namespace, namespace, require_netns

pytestmark = pytest.mark.netns

DOMAIN = "phonesim.test"
POOL = "pool01.phonesim.test"
WEB = "web01.phonesim.test"
PHONE_OPTIONS = ["--sip-server", POOL, "--web-server", WEB]
REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Site:
    ns: Namespace
    voice: ipaddress.IPv4Network
    scope: SiteScope


def voice_subnet(ns: Namespace) -> ipaddress.IPv4Network:
    other = {"198.51.100.0/24": "192.0.2.0/24", "192.0.2.0/24": "198.51.100.0/24"}
    return ipaddress.IPv4Network(other[str(ns.segment.subnet)])


def start_site(ns: Namespace, workdir: Path) -> Site:
    voice = voice_subnet(ns)
    scope = SiteScope(
        router=str(voice.network_address + 1),
        dns_server=str(voice.network_address + 53),
        domain=DOMAIN,
        time_server=str(voice.network_address + 53),
    )
    native = generate(
        "dnsmasq",
        workdir / "native.conf",
        ns.segment.subnet,
        ns.ns_link,
        [*PHONE_OPTIONS, "--vlan", "150"],
    )
    start_server("dnsmasq", ns, native, ns.ns_link, workdir)
    switch_vlan(ns, 150, "v150", f"{scope.dns_server}/{voice.prefixlen}", workdir)
    lease = generate("dnsmasq", workdir / "voice.conf", voice, "v150", PHONE_OPTIONS)
    start_server("dnsmasq", ns, with_site_scope("dnsmasq", lease, scope), "v150", workdir)
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
    return Site(ns, voice, scope)


LLDP_SENDER = """
import sys, time
from scapy.all import Ether, sendp
from scapy.contrib.lldp import (LLDPDUChassisID, LLDPDUPortID, LLDPDUTimeToLive,
    LLDPDUGenericOrganisationSpecific, LLDPDUEndOfLLDPDU)
policy = bytes((1,)) + ((1 << 22) | (150 << 9) | (5 << 6) | 46).to_bytes(3, "big")
frame = (Ether(dst="01:80:c2:00:00:0e", type=0x88cc)
    / LLDPDUChassisID(subtype=4, id=b"\\x02\\x00\\x00\\x00\\x00\\x01")
    / LLDPDUPortID(subtype=5, id=b"sw1/1") / LLDPDUTimeToLive(ttl=120)
    / LLDPDUGenericOrganisationSpecific(org_code=0x0012BB, subtype=2, data=policy)
    / LLDPDUEndOfLLDPDU())
for _ in range(int(sys.argv[2])):
    sendp(frame, iface=sys.argv[1], verbose=False)
    time.sleep(0.5)
"""


def boot(tmp_path: Path, ns: Namespace, *extra: str) -> tuple[int, dict, list[dict]]:
    run_dir = tmp_path / "runs" / "run"
    code = main(
        [
            *("boot", "--iface", ns.host_link, "--bring-up", "--stop-after", "lease"),
            *("--ext", "5551234", "--pin", "13579", "--json", "--no-capture"),
            *("--state-dir", str(tmp_path / "state"), "--run-dir", str(run_dir), *extra),
        ]
    )
    return code, *read_run(run_dir)


def read_run(run_dir: Path) -> tuple[dict, list[dict]]:
    result = json.loads((run_dir / "result.json").read_text())
    trace = [
        {**line["fields"], "stage": line["stage"], "event": line["event"]}
        for line in map(json.loads, (run_dir / "trace.jsonl").read_text().splitlines())
    ]
    return result, trace


def keys(trace: list[dict]) -> list[str]:
    return [f"{t['stage']}.{t['event']}" for t in trace]


def taps() -> set[str]:
    return {p.name for p in Path("/sys/class/net").iterdir() if (p / "tun_flags").exists()}


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    require_netns("dnsmasq")
    with namespace("bringup") as ns:
        try:
            yield start_site(ns, tmp_path)
        except AssertionError as error:
            raise AssertionError(f"{error}\n{logs(tmp_path)}") from None


def test_boot_with_only_an_interface_takes_vlan_150_its_lease_and_discovers_from_it(
    tmp_path: Path, site: Site
) -> None:
    """The issue's first promise: `sudo phonesim boot --iface IF --ext --pin`, as typed."""
    before = taps()
    run_dir = tmp_path / "run"
    done = subprocess.run(
        [
            *(sys.executable, "-m", "phonesim", "boot", "--iface", site.ns.host_link),
            *("--bring-up", "--no-lldp", "--ext", "5551234", "--pin", "13579"),
            *("--stop-after", "discovery", "--no-capture", "--json"),
            *("--state-dir", str(tmp_path / "state"), "--run-dir", str(run_dir)),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr + logs(tmp_path)
    result, trace = read_run(run_dir)
    assert (result["Result"], result["Stage"]) == ("Success", "discovery"), result
    order = keys(trace)
    query = order.index("vlan.given")
    joined = order.index("vlan.joined")
    leased = order.index("lease.values")
    inform = order.index("dhcp.inform_sent")
    assert query < joined < leased < inform
    given = next(t for t in trace if t["event"] == "given")
    assert given["vlan"] == 150
    values = trace[leased]
    assert ipaddress.IPv4Address(values["address"]) in site.voice
    assert values["domain"] == DOMAIN and values["domain_source"] == "lease"
    assert values["dns_servers"] == [site.scope.dns_server]
    # Discovery named the lease's domain, and the INFORM's answer on VLAN 150 won.
    asked = [t["name"] for t in trace if t["stage"] == "dns" and t["event"] == "query"]
    assert f"_sipinternaltls._tcp.{DOMAIN}" in asked
    won = next(t for t in trace if t["event"] == "answer_won")
    assert won["server"] == site.scope.dns_server and won["registrars"] == [POOL]
    # The phone's VLAN interface went with the boot.
    assert taps() == before


def test_the_vlan_query_and_the_lease_give_address_domain_and_dns_without_options(
    tmp_path: Path, site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    code, result, trace = boot(tmp_path, site.ns, "--no-lldp")
    assert code == 0, result
    assert (result["Result"], result["Stage"]) == ("Success", "lease")
    order = keys(trace)
    assert order.index("vlan.given") < order.index("lease.released") < order.index("vlan.joined")
    given = next(t for t in trace if t["event"] == "given")
    assert given["vlan"] == 150
    values = next(t for t in trace if t["stage"] == "lease" and t["event"] == "values")
    assert values["domain"] == DOMAIN and values["domain_source"] == "lease"
    assert values["dns_servers"] == [site.scope.dns_server]
    assert ipaddress.IPv4Address(values["address"]) in site.voice


def test_lldp_med_from_the_switch_gives_the_vlan_and_no_vlan_query_is_sent(
    tmp_path: Path, site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    ns = site.ns
    sender = subprocess.Popen(
        ["ip", "netns", "exec", ns.name, sys.executable, "-c", LLDP_SENDER, ns.ns_link, "40"]
    )
    ns.processes.append(sender)
    code, result, trace = boot(tmp_path, ns)
    assert code == 0, result
    order = keys(trace)
    assert "lldp.voice_vlan" in order and "vlan.query_skipped" in order
    heard = next(t for t in trace if t["event"] == "voice_vlan")
    assert (heard["vlan"], heard["priority"], heard["dscp"]) == (150, 5, 46)
    assert not any(t["event"] == "discover_sent" and t["purpose"] == "vlan" for t in trace)
    values = next(t for t in trace if t["stage"] == "lease" and t["event"] == "values")
    assert ipaddress.IPv4Address(values["address"]) in site.voice
