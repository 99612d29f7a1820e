"""A DHCP-only storm on a real interface needs no DNS: no --domain, no DNS socket.

The fleet runs in a client namespace of its own whose resolv.conf names a DNS
server it has no route to and no domain, as on a phone VLAN that offers DHCP
only to a test laptop; dnsmasq answers from the server namespace.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.interop.servers import dhcp_config, server_log, start_dhcp_server, wait_for_dhcp
from tests.netns import DOCUMENTATION_SUBNETS, namespace, require_netns

pytestmark = pytest.mark.netns

PHONES = 20


def ip(*argv: str) -> None:
    subprocess.run(["ip", *argv], check=True, capture_output=True)


def test_a_dhcp_storm_on_an_interface_asks_nothing_of_dns(tmp_path: Path) -> None:
    require_netns("dnsmasq")
    with namespace("storm") as ns:
        config = dhcp_config(
            "dnsmasq",
            tmp_path / "dnsmasq.conf",
            sip_servers=["pool01.phonesim.test"],
            web_server="web01.phonesim.test",
            ns=ns,
        )
        process = start_dhcp_server("dnsmasq", ns, config, tmp_path)
        wait_for_dhcp(ns, [ns.address], [process])
        client = f"phonesim-stormc-{os.getpid()}"
        etc = Path("/etc/netns") / client
        unroutable = next(
            net for net in DOCUMENTATION_SUBNETS if net != str(ns.segment.subnet)
        ).replace(".0/24", ".53")
        try:
            ip("netns", "add", client)
            ip("link", "set", ns.host_link, "netns", client)
            cidr = f"{ns.segment.host_address}/{ns.segment.prefix}"
            ip("-n", client, "addr", "add", cidr, "dev", ns.host_link)
            ip("-n", client, "link", "set", ns.host_link, "up")
            ip("-n", client, "link", "set", "lo", "up")
            etc.mkdir(parents=True)
            # `ip netns exec` shows this file as /etc/resolv.conf: a DNS server out of
            # reach, no domain.
            (etc / "resolv.conf").write_text(f"nameserver {unroutable}\n")
            report = tmp_path / "out"
            done = subprocess.run(
                [
                    "ip",
                    "netns",
                    "exec",
                    client,
                    sys.executable,
                    "-m",
                    "phonesim",
                    "fleet",
                    "--iface",
                    ns.host_link,
                    "--stage",
                    "dhcp",
                    "--phones",
                    str(PHONES),
                    "--rate",
                    "max",
                    "--json",
                    "--report",
                    str(report),
                ],
                capture_output=True,
                text=True,
                timeout=120,
            )
        finally:
            subprocess.run(["ip", "netns", "del", client], capture_output=True)
            shutil.rmtree(etc, ignore_errors=True)
    assert done.returncode == 0, done.stderr + server_log(tmp_path)
    assert "Traceback" not in done.stderr
    summary = json.loads(done.stdout)
    assert summary["outcomes"] == {"success": PHONES}
    assert summary["config"]["target"] == f"interface {ns.host_link}, DHCP only"
    assert set(summary["udp_receive_drops"]["servers"] or {}) <= {"dhcp"}
    assert "started 0/" not in done.stderr  # no dashboard line from before the start
