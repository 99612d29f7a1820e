"""A single boot gives back the lease it took when it ends, unless --keep-lease; the trace
says so (the lab's site DHCP server here; tests/interop holds it against dnsmasq)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from phonesim.cli import main


def released(tmp_path: Path, *extra: str) -> list[dict]:
    run_dir = tmp_path / "run"
    code = main(
        [
            *(
                "boot",
                "--lab",
                "--scenario",
                "vlan-from-dhcp",
                "--stop-after",
                "lease",
                "--no-lldp",
            ),
            *("--ext", "5551234", "--pin", "13579", "--json", "--no-capture"),
            *("--run-dir", str(run_dir), *extra),
        ]
    )
    assert code == 0
    lines = map(json.loads, (run_dir / "trace.jsonl").read_text().splitlines())
    return [
        line["fields"] for line in lines if (line["stage"], line["event"]) == ("lease", "released")
    ]


def test_the_lease_goes_back_when_the_boot_ends(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    *moving, last = released(tmp_path)
    assert [r["purpose"] for r in moving] == ["vlan"]
    assert (last["purpose"], last["why"]) == ("lease", "the boot ended")


def test_keep_lease_keeps_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert [r["purpose"] for r in released(tmp_path, "--keep-lease")] == ["vlan"]
