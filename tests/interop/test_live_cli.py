"""`phonesim boot --iface` as a user types it, in a separate process, on a test veth.

Two servers answer the broadcast: the output lists both, marks the one used,
and the JSON result carries both. Without privilege, the user gets one line
naming what is needed and exit code 2.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import unprivileged
from tests.interop.servers import dhcp_config, start_dhcp_server, wait_for_dhcp
from tests.interop.test_dhcp_servers import POOL, WEB, plain_dnsmasq
from tests.netns import Namespace, namespace, require_netns

pytestmark = pytest.mark.netns

REPO = Path(__file__).resolve().parents[2]


def phonesim(*argv: str, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "phonesim", *argv],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )


def boot_argv(ns: Namespace, folder: Path, *extra: str) -> list[str]:
    return [
        "boot",
        "--iface",
        ns.host_link,
        "--no-bring-up",
        "--dns",
        ns.segment.server_address,
        "--domain",
        "phonesim.test",
        "--ext",
        "5551234",
        "--pin",
        "13579",
        "--no-cache",
        "--state-dir",
        str(folder / "state"),
        "--runs-dir",
        str(folder / "runs"),
        "--stop-after",
        "discovery",
        *extra,
    ]


def test_every_server_that_answered_is_shown(tmp_path: Path) -> None:
    require_netns("dnsmasq", "dhcpd")
    with namespace("cli") as ns:
        dhcpd_ns = ns.add_neighbour(54)
        plain = start_dhcp_server("dnsmasq", ns, plain_dnsmasq(ns, tmp_path), tmp_path)
        config = dhcp_config(
            "isc-dhcpd", tmp_path / "dhcpd.conf", sip_servers=[POOL], web_server=WEB, ns=dhcpd_ns
        )
        dhcpd = start_dhcp_server("isc-dhcpd", dhcpd_ns, config, tmp_path)
        wait_for_dhcp(ns, [ns.address, dhcpd_ns.address], [plain, dhcpd])
        shown = phonesim(*boot_argv(ns, tmp_path))
        as_json = phonesim(*boot_argv(ns, tmp_path, "--json"))
        servers = (ns.address, dhcpd_ns.address)

    assert shown.returncode == 0, shown.stdout + shown.stderr
    table = shown.stdout[shown.stdout.index("DHCP answers") :]
    assert all(server in table for server in servers)
    assert table.count("(used)") == 1
    assert f"DHCP broadcast on {ns.host_link}" in shown.stdout
    assert "Traceback" not in shown.stderr
    result = json.loads(as_json.stdout)
    assert as_json.returncode == 0 == result["ExitCode"]
    answers = {entry["Server"]: entry for entry in result["DhcpAnswers"]}
    assert set(answers) == set(servers)
    assert answers[servers[1]]["Used"] and answers[servers[1]]["SipServers"] == [POOL]
    assert Path(result["Capture"]).is_file()


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    with unprivileged.shared_folder() as folder:
        yield folder


def test_without_privilege_one_line_names_what_is_needed(shared_folder: Path) -> None:
    """As `nobody`, in a namespace where ports below 1024 are privileged: exit 2, no traceback."""
    require_netns("setpriv", "sysctl")
    with namespace("nopriv") as ns:
        ns.run("sysctl", "-q", "-w", "net.ipv4.ip_unprivileged_port_start=1024")
        prefix = (
            "ip",
            "netns",
            "exec",
            ns.name,
            *unprivileged.AS_NOBODY,
        )
        argv = boot_argv(ns, shared_folder)
        argv[argv.index("--iface") + 1] = ns.ns_link
        # Its own HOME: the caller's may hold caches root wrote (~/.cache/scapy).
        env = unprivileged.own_home(shared_folder)
        refused = unprivileged.phonesim(*argv, env=env, prefix=prefix)
        mac = unprivileged.phonesim(
            *argv, "--mac", "profile", "--client-port", "6800", env=env, prefix=prefix
        )

    assert refused.returncode == 2
    [line] = refused.stderr.splitlines()
    assert line.startswith("phonesim: error:")
    assert "UDP port 68" in line and "root or CAP_NET_BIND_SERVICE" in line
    assert mac.returncode == 2
    [line] = mac.stderr.splitlines()
    assert "packet socket" in line and "root or CAP_NET_RAW" in line
