"""Every generated server config passes that server's own check; a broken one does not.

`dnsmasq --test`, `kea-dhcp4 -t` and `dhcpd -t` parse the file exactly as the
server will at start; the broken control proves each check can fail here.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from phonesim.cli import main
from tests.netns import require_tools

CHECKERS = {
    "dnsmasq": lambda path: ["dnsmasq", "--test", f"--conf-file={path}"],
    "kea": lambda path: ["kea-dhcp4", "-t", str(path)],
    "isc-dhcpd": lambda path: ["dhcpd", "-t", "-4", "-cf", str(path)],
}
TOOLS = {"dnsmasq": "dnsmasq", "kea": "kea-dhcp4", "isc-dhcpd": "dhcpd"}

CASES = {
    "one registrar": ["--sip-server", "pool01.contoso.com", "--web-server", "web01.contoso.com"],
    "two registrars": [
        "--sip-server",
        "pool01.contoso.com",
        "--sip-server",
        "pool02.contoso.com",
        "--web-server",
        "web01.contoso.com",
    ],
    "encoding 1": ["--sip-server", "192.0.2.10", "--web-server", "web01.contoso.com"],
    "long option 43": [
        "--sip-server",
        "pool01.contoso.com",
        "--web-server",
        ".".join(["web-" + letter * 50 for letter in "abcd"]) + ".contoso.com",
    ],
    "vlan query and pool": [
        "--sip-server",
        "pool01.contoso.com",
        "--vlan",
        "150",
        "--pool",
        "192.0.2.100-192.0.2.199",
    ],
}


def generate(format_name: str, argv: list[str], path: Path) -> Path:
    assert (
        main(
            [
                "dhcp-config",
                "--format",
                format_name,
                "--subnet",
                "192.0.2.0/24",
                *argv,
                "--output",
                str(path),
            ]
        )
        == 0
    )
    return path


def check(format_name: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(CHECKERS[format_name](path), capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("format_name", sorted(CHECKERS))
def test_generated_config_passes_the_servers_own_check(
    format_name: str, case: str, tmp_path: Path
) -> None:
    require_tools(TOOLS[format_name])
    path = generate(format_name, CASES[case], tmp_path / "config")
    result = check(format_name, path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("format_name", sorted(CHECKERS))
def test_the_check_rejects_a_broken_config(format_name: str, tmp_path: Path) -> None:
    require_tools(TOOLS[format_name])
    path = generate(format_name, CASES["one registrar"], tmp_path / "config")
    lines = path.read_text().splitlines()
    # Break the line holding option 120's value in two: no server may accept that.
    [index] = [i for i, line in enumerate(lines) if re.search(r"00:?06:?70", line, re.I)]
    middle = len(lines[index]) // 2
    lines[index : index + 1] = [lines[index][:middle], lines[index][middle:]]
    path.write_text("\n".join(lines) + "\n")
    assert check(format_name, path).returncode != 0
