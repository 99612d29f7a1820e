"""Misbehaving DHCP servers: a flood of answers is kept, handed over and captured only up
to the profile's `dhcp.max_answers`, and counted past it."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from tests.hostile.dhcp_servers import Send, dhcp_server, good_ack
from tests.hostile.hostile_lab import assert_bounded, profile_with, run_case

FLOOD = 20_000


async def _ack_then_flood(send: Send, inform: bytes) -> None:
    good = good_ack(inform)
    for i in range(FLOOD):
        send(good)
        if i % 200 == 0:
            await asyncio.sleep(0)


def _garbage_flood(send: Send, inform: bytes):
    async def flood() -> None:
        for i in range(FLOOD):
            garbage = bytearray(os.urandom(300))
            garbage[0] = 2  # BOOTREPLY, with the INFORM's xid and chaddr
            garbage[4:8] = inform[4:8]
            garbage[28:34] = inform[28:34]
            send(bytes(garbage))
            if i % 200 == 0:
                await asyncio.sleep(0)

    return flood()


def test_a_flood_of_acks_is_kept_only_up_to_the_bound(tmp_path: Path) -> None:
    """D20: every copy was kept, captured and reported (result.json grew by megabytes)."""
    case = asyncio.run(run_case(tmp_path, dhcp_server(_ack_then_flood)))
    hostile = case.hostile
    assert hostile.code == 0, hostile.output[-2000:]
    assert hostile.result is not None
    assert len(hostile.result["DhcpAnswers"]) <= 64
    not_kept = hostile.result["DhcpAnswersNotKept"]
    assert not_kept["Limit"] == 64 and not_kept["Count"] > 0
    assert (hostile.run_dir / "result.json").stat().st_size < 1_000_000
    assert hostile.seconds < 60 and hostile.peak_mb < 400
    assert case.next_boot.code == 0


def test_a_flood_of_garbage_gives_up_cleanly_with_small_files(tmp_path: Path) -> None:
    profile = profile_with(
        tmp_path, dhcp={"retransmit_after": [1, 1], "retransmit_jitter": 0.0, "max_answers": 16}
    )
    case = asyncio.run(
        run_case(
            tmp_path,
            dhcp_server(_garbage_flood),
            "--profile",
            str(profile),
            "--stop-after",
            "dhcp",
        )
    )
    assert_bounded(case, "dhcp.timeout", seconds=60)
    assert case.hostile.result["DhcpAnswersNotKept"]["Limit"] == 16
    for name in ("result.json", "trace.jsonl", "cpsw3g.log"):
        assert (case.hostile.run_dir / name).stat().st_size < 1_000_000, name
