"""A boot's own capture, replayed, says what the boot did: the lab's bring-up scenarios
booted for real on loopback (`boot --lab --scenario ...` writes `capture.pcap`), then
`phonesim replay` on that capture."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from phonesim.cli import main

BRINGUP_EVENTS = ("vlan.given", "vlan.not_given", "lease.values", "lease.option_missing")


def bringup_events(timeline: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """The VLAN and lease decisions, without the fields that name this run (xids, servers)."""
    found = []
    for event in timeline:
        name = f"{event['stage']}.{event['event']}"
        if name in BRINGUP_EVENTS:
            fields = {k: v for k, v in event["fields"].items() if k not in ("server", "note")}
            found.append((name, fields))
    return found


@pytest.mark.parametrize("scenario", ["vlan-from-dhcp", "lease-no-option-15"])
def test_the_replay_of_a_lab_boot_s_capture_decides_as_the_boot_did(
    scenario: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "run"
    code = main(
        [
            "boot",
            "--lab",
            "--scenario",
            scenario,
            "--no-lldp",
            "--ext",
            "5551234",
            "--pin",
            "13579",
            "--run-dir",
            str(run),
            "--stop-after",
            "discovery",
        ]
    )
    capsys.readouterr()
    assert code == 0
    live = [json.loads(line) for line in (run / "trace.jsonl").read_text().splitlines()]

    code = main(["replay", str(run / "capture.pcap"), "--json"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    replays = [line["replay"] for line in lines if line.get("replay")]
    assert code == 0
    (replayed,) = replays
    assert len(replayed["boot_sessions"]) == 4  # VLAN query, RELEASE, lease, INFORM
    assert bringup_events(replayed["timeline"]) == bringup_events(live)
    assert bringup_events(live)
    assert (
        replayed["outcome"]["web_url"] == json.loads((run / "result.json").read_text())["TargetUri"]
    )
