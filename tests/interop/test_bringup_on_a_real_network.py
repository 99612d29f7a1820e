"""The bring-up on a real link: `boot --iface IF --bring-up` in a network namespace fed only
by real servers, with no --domain and no --dns, LLDP-MED sent by the namespace as a switch would.

The site (tests/interop/voice_site.py) answers the VLAN query untagged, and leases, answers
DNS and serves the lab's web services and registrar on its VLAN 150. The phone joins VLAN 150
through its own bridge (a TAP carrying the lease's address), so its lease, INFORM, DNS, HTTPS
and SIP all travel tagged.
"""

from __future__ import annotations

import ipaddress
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from phonesim.cli import main
from tests.integration.dhcp_peers import SERVERS, TOOLS, logs
from tests.interop.voice_site import DOMAIN, POOL, WEB, Site, start_lab_servers, start_site
from tests.netns import Namespace, namespace, require_netns

pytestmark = pytest.mark.netns

REPO = Path(__file__).resolve().parents[2]

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
def site(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Site]:
    """The site, its VLAN 150 leased by dnsmasq unless the test names another server."""
    lease_server = getattr(request, "param", "dnsmasq")
    require_netns("dnsmasq", TOOLS[lease_server])
    with namespace("bringup") as ns:
        try:
            yield start_site(ns, tmp_path, lease_server)
        except AssertionError as error:
            raise AssertionError(f"{error}\n{logs(tmp_path)}") from None


def phonesim(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "phonesim", *argv],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )


@pytest.mark.parametrize("site", SERVERS, indirect=True)
def test_boot_with_only_an_interface_takes_vlan_150_its_lease_and_discovers_from_it(
    tmp_path: Path, site: Site
) -> None:
    """`boot --iface IF`, the lease on VLAN 150 from dnsmasq, Kea or ISC dhcpd."""
    before = taps()
    run_dir = tmp_path / "run"
    done = subprocess.run(
        [
            *(sys.executable, "-m", "phonesim", "boot", "--iface", site.ns.host_link),
            *("--no-lldp", "--ext", "5551234", "--pin", "13579"),
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
    srv = f"_sipinternaltls._tcp.{DOMAIN}"
    asked = [t["name"] for t in trace if t["stage"] == "dns" and t["event"] == "query"]
    assert srv in asked
    won = next(t for t in trace if t["event"] == "answer_won")
    assert won["server"] == site.scope.dns_server and won["registrars"] == [POOL]
    # The phone's VLAN interface went with the boot.
    assert taps() == before


def test_a_host_that_routes_the_voice_subnet_elsewhere_is_refused_in_one_line(
    tmp_path: Path, site: Site
) -> None:
    """Had the host its own network on the lease's subnet, the kernel would send the phone's
    DNS, HTTPS and SIP there while its DHCP stays tagged: the boot stops and says why."""
    subprocess.run(
        ["ip", "route", "add", str(site.voice), "dev", site.ns.host_link], check=True
    )  # goes with the test's veth
    before = taps()
    done = phonesim(
        *("boot", "--iface", site.ns.host_link, "--no-lldp"),
        *("--ext", "5551234", "--pin", "13579", "--no-capture"),
        *("--state-dir", str(tmp_path / "state"), "--runs-dir", str(tmp_path / "runs")),
    )
    assert done.returncode == 2, done.stdout + done.stderr
    [line] = done.stderr.splitlines()
    assert f"already routes {site.voice}" in line and "Traceback" not in done.stderr
    assert "dns.query" not in done.stdout
    assert taps() == before


def test_the_vlan_query_and_the_lease_give_address_domain_and_dns_without_options(
    tmp_path: Path, site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    code, result, trace = boot(tmp_path, site.ns, "--no-lldp", "--keep-lease")
    assert code == 0, result
    assert (result["Result"], result["Stage"]) == ("Success", "lease")
    # --keep-lease: only the VLAN query's lease went back (moving to VLAN 150).
    assert [t["purpose"] for t in trace if keys([t]) == ["lease.released"]] == ["vlan"]
    assert "DHCPRELEASE" not in (tmp_path / "dnsmasq-v150.log").read_text()
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


def test_signs_in_on_vlan_150_with_names_from_the_sites_dns_and_gives_the_lease_back(
    tmp_path: Path, site: Site
) -> None:
    """The issue's first promise, as typed (`boot --iface IF --ext --pin`, the lab's CA
    trusted): LLDP-MED, lease, INFORM, DNS, time, web services and registrar, all on VLAN
    150, the servers found by the names the site's DNS gives."""
    start_lab_servers(site)
    ns = site.ns
    sender = subprocess.Popen(
        ["ip", "netns", "exec", ns.name, sys.executable, "-c", LLDP_SENDER, ns.ns_link, "40"]
    )
    ns.processes.append(sender)
    run_dir = tmp_path / "run"
    done = phonesim(
        *("boot", "--iface", site.ns.host_link),
        *("--ext", "5551234", "--pin", "13579", "--trust-ca", str(site.ca_file)),
        *("--no-capture", "--json", "--no-cache"),
        *("--state-dir", str(tmp_path / "state"), "--run-dir", str(run_dir)),
    )
    assert done.returncode == 0, done.stdout + done.stderr + logs(tmp_path)
    result, trace = read_run(run_dir)
    assert result["Result"] == "Success", result
    order = keys(trace)
    assert order.index("lldp.voice_vlan") < order.index("vlan.joined")
    assert order.index("vlan.joined") < order.index("lease.values")
    assert order.index("lease.values") < order.index("dhcp.inform_sent")
    values = next(t for t in trace if t["stage"] == "lease" and t["event"] == "values")
    address = values["address"]
    dns_log = (tmp_path / "dnsmasq-dns.log").read_text()
    assert f"query[A] {POOL} from {address}" in dns_log, dns_log
    answered = {t["name"]: t.get("addresses") for t in trace if keys([t]) == ["dns.answer"]}
    assert answered[POOL] == answered[WEB] == [site.scope.dns_server], answered
    # The boot is over: the lease went back to the server that gave it, and the trace says so.
    [released] = [t for t in trace if keys([t]) == ["lease.released"] and t["purpose"] == "lease"]
    assert (released["address"], released["why"]) == (address, "the boot ended")
    assert trace.index(released) == len(trace) - 2  # just before the boot's last event
    lease_log = (tmp_path / "dnsmasq-v150.log").read_text()
    assert f"DHCPRELEASE(v150) {address}" in lease_log, lease_log


def test_diagnose_on_an_interface_says_what_the_bring_up_found(tmp_path: Path) -> None:
    """`diagnose --iface` brings up too, and its text names a lease without option 15."""
    require_netns("dnsmasq")
    with namespace("bringup") as ns:
        start_site(ns, tmp_path, without_domain=True)
        done = subprocess.run(
            [
                *(sys.executable, "-m", "phonesim", "diagnose", "--iface", ns.host_link),
                *("--no-lldp", "--ext", "5551234", "--pin", "13579"),
                *("--stop-after", "discovery", "--no-capture"),
                *("--state-dir", str(tmp_path / "state"), "--runs-dir", str(tmp_path / "runs")),
            ],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=120,
            env={**os.environ, "COLUMNS": "200"},
        )
    text = " ".join(done.stdout.split())
    assert "DHCP gave VLAN 150; the lease on VLAN 150 has no option 15" in text, (
        done.stdout + done.stderr + logs(tmp_path)
    )
