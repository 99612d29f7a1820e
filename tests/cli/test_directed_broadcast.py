"""A subnet's broadcast address given as the DHCP server is refused like 255.255.255.255:
nothing is broadcast without --iface, and the refusal is one line, not a PermissionError
traceback from the kernel (hardening review D16)."""

from __future__ import annotations

from pathlib import Path

import pytest

from phonesim.cli import main
from phonesim.drivers.network import is_broadcast_here


def test_a_directed_broadcast_dhcp_server_is_one_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = main(
        [
            *("boot", "--dhcp-server", "127.255.255.255:6767", "--client-port", "0"),
            *("--dns", "127.0.0.1:9", "--domain", "phonesim.test", "--address", "127.0.0.1"),
            *("--ext", "5551234", "--pin", "13579", "--no-cache"),
            *("--state-dir", str(tmp_path / "s"), "--runs-dir", str(tmp_path / "r")),
        ]
    )
    _, err = capsys.readouterr()
    assert code == 2
    assert "127.255.255.255 is a broadcast address" in err and "--iface" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("host", "broadcast"),
    [
        ("255.255.255.255", True),
        ("127.255.255.255", True),
        ("127.0.0.1", False),
        ("192.0.2.1", False),
    ],
)
def test_the_kernel_says_what_is_a_broadcast_here(host: str, broadcast: bool) -> None:
    assert is_broadcast_here(host) is broadcast
