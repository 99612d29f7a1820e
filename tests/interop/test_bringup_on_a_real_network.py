"""The bring-up on a real link: `boot --iface IF --bring-up` against dnsmasq in a network
namespace, with no --domain and no --dns, LLDP-MED sent by the namespace as a switch would.

dnsmasq answers vendor class CPE-OCPHONE with option 43 sub-option 10 and leases with
options 6, 15 and 42. The kernel here has no 802.1Q and no bridge is given, so the VLAN is
left to the port (`ParentInterface`): the phone's second lease comes on the same segment.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from phonesim.cli import main
from tests.netns import Namespace, namespace, require_netns

DOMAIN = "site.test"


def start_dnsmasq(ns: Namespace, workdir: Path) -> None:
    seg = ns.segment
    ns.start(
        [
            "dnsmasq",
            "--keep-in-foreground",
            "--conf-file=/dev/null",
            "--port=0",
            "--bind-interfaces",
            f"--interface={ns.ns_link}",
            f"--dhcp-range={seg.host(100)},{seg.host(150)},255.255.255.0,1h",
            "--dhcp-vendorclass=set:ocphone,CPE-OCPHONE",
            # Sub-option 10 as ASCII digits, given as hex: "150" is 31:35:30.
            "--dhcp-option=tag:ocphone,vendor:CPE-OCPHONE,10,31:35:30",
            f"--dhcp-option=6,{seg.server_address}",
            f"--dhcp-option=15,{DOMAIN}",
            f"--dhcp-option=42,{seg.server_address}",
            f"--dhcp-leasefile={workdir / 'dnsmasq.leases'}",
            f"--pid-file={workdir / 'dnsmasq.pid'}",
            "--log-facility=-",
            "--log-dhcp",
        ],
        workdir / "dnsmasq.log",
    )


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
    runs = tmp_path / "runs"
    run_dir = runs / "run"
    code = main(
        [
            *("boot", "--iface", ns.host_link, "--bring-up", "--stop-after", "lease"),
            *("--ext", "5551234", "--pin", "13579", "--json", "--no-capture"),
            *("--state-dir", str(tmp_path / "state"), "--run-dir", str(run_dir), *extra),
        ]
    )
    result = json.loads((run_dir / "result.json").read_text())
    trace = [
        {**line["fields"], "stage": line["stage"], "event": line["event"]}
        for line in map(json.loads, (run_dir / "trace.jsonl").read_text().splitlines())
    ]
    return code, result, trace


def keys(trace: list[dict]) -> list[str]:
    return [f"{t['stage']}.{t['event']}" for t in trace]


@pytest.fixture
def site(tmp_path: Path):
    require_netns("dnsmasq")
    with namespace("bringup") as ns:
        start_dnsmasq(ns, tmp_path)
        yield ns


def test_the_vlan_query_and_the_lease_give_address_domain_and_dns_without_options(
    tmp_path: Path, site: Namespace, capsys: pytest.CaptureFixture[str]
) -> None:
    code, result, trace = boot(tmp_path, site, "--no-lldp")
    assert code == 0, result
    assert (result["Result"], result["Stage"]) == ("Success", "lease")
    order = keys(trace)
    assert order.index("vlan.given") < order.index("lease.released") < order.index("vlan.joined")
    given = next(t for t in trace if t["event"] == "given")
    assert given["vlan"] == 150
    values = next(t for t in trace if t["stage"] == "lease" and t["event"] == "values")
    assert values["domain"] == DOMAIN and values["domain_source"] == "lease"
    assert values["dns_servers"] == [site.segment.server_address]
    assert values["address"].startswith(str(site.segment.subnet.network_address)[:-1])


def test_lldp_med_from_the_switch_gives_the_vlan_and_no_vlan_query_is_sent(
    tmp_path: Path, site: Namespace, capsys: pytest.CaptureFixture[str]
) -> None:
    sender = subprocess.Popen(
        ["ip", "netns", "exec", site.name, sys.executable, "-c", LLDP_SENDER, site.ns_link, "40"]
    )
    site.processes.append(sender)
    code, result, trace = boot(tmp_path, site)
    assert code == 0, result
    order = keys(trace)
    assert "lldp.voice_vlan" in order and "vlan.query_skipped" in order
    heard = next(t for t in trace if t["event"] == "voice_vlan")
    assert (heard["vlan"], heard["priority"], heard["dscp"]) == (150, 5, 46)
    assert not any(t["event"] == "discover_sent" and t["purpose"] == "vlan" for t in trace)
    assert "lease.values" in order
