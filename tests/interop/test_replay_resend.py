"""Re-sending a captured INFORM on a real interface, as the phone sent it, and comparing today's answer."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.interop.servers import dhcp_config, server_log, start_dhcp_server, wait_for_dhcp
from tests.netns import namespace, require_netns

pytestmark = pytest.mark.netns

CAPTURE = Path(__file__).parents[2] / "examples" / "captures" / "lab-inform.pcap"


@pytest.mark.parametrize(
    ("web_server", "option_43"),
    [("web01.phonesim.test", "same meaning"), ("web99.phonesim.test", "differs")],
    ids=["url-unchanged", "url-changed"],
)
def test_resend_on_an_interface_diffs_the_live_answer(
    web_server: str, option_43: str, tmp_path: Path
) -> None:
    require_netns("dnsmasq")
    with namespace("resend") as ns:
        config = dhcp_config(
            "dnsmasq",
            tmp_path / "dnsmasq.conf",
            sip_servers=["pool01.phonesim.test"],
            web_server=web_server,
            ns=ns,
        )
        process = start_dhcp_server("dnsmasq", ns, config, tmp_path)
        wait_for_dhcp(ns, [ns.address], [process])
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "phonesim",
                "replay",
                str(CAPTURE),
                "--resend",
                "--iface",
                ns.host_link,
                "--wait",
                "3",
                "--json",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        host_address, server_address = ns.segment.host_address, ns.segment.server_address
    # The capture's server was the lab on loopback: a live answer from another server
    # differs at least in its server identifier, so the exit code says "differs".
    assert done.returncode == 1, done.stderr + server_log(tmp_path)
    result, summary = (json.loads(line) for line in done.stdout.splitlines())
    assert (result["type"], summary["type"], summary["result"]) == ("resend", "summary", "differs")
    assert result["answered"] is True
    assert result["ciaddr"] == host_address
    (pair,) = result["pairs"]
    assert pair["live_server"] == server_address
    status = {option["code"]: option["status"] for option in pair["options"]}
    assert status[120] == "same"
    assert status[43] == option_43
    assert status[54] == "differs"
