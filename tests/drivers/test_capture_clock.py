"""capture.pcap and cpsw3g.log tell the same time for the same packet.

The device log counts from power-on; the capture stamps each packet when the
socket hands it over. Opening sockets and files takes time before the phone
starts (a first boot in a process imports and builds a lot): power-on must be
the instant the phone starts, not the moment before that work. A slow start is
made here on purpose, so the test does not depend on how fast this machine is.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from scapy.layers.inet import UDP
from scapy.utils import rdpcap

import phonesim
import phonesim.app.boot
from phonesim.codec.dhcp_message import decode_dhcp_message
from phonesim.report.device_log import parse_device_log

SLOW_START = 0.5
AGREE_WITHIN = 0.2  # far above scheduling noise, far below the slow start
EVENTS = {8: "inform_sent", 5: "answer"}  # DHCPINFORM, DHCPACK


def test_the_capture_and_the_device_log_agree(tmp_path: Path, monkeypatch) -> None:
    open_dhcp = phonesim.app.boot._open_dhcp

    async def slow_open_dhcp(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(SLOW_START)  # a socket that takes long to open, not a wait for a peer
        return await open_dhcp(*args, **kwargs)

    monkeypatch.setattr(phonesim.app.boot, "_open_dhcp", slow_open_dhcp)
    run_dir = tmp_path / "run"
    report = phonesim.boot(
        sign_in_as="5551234", pin="13579", run_dir=run_dir, final_stage="dhcp", seed=3
    )
    power_on = datetime.fromisoformat(report.result["Phone"]["PowerOn"]).timestamp()
    logged = {
        record.event: record
        for record in parse_device_log((run_dir / "cpsw3g.log").read_text().splitlines())
        if record.event in ("inform_sent", "answer")
    }
    traced = {trace.event: trace.t for trace in report.traces}
    packets = {
        EVENTS[decode_dhcp_message(bytes(p[UDP].payload)).message_type]: float(p.time)
        for p in rdpcap(str(run_dir / "capture.pcap"))
    }
    assert set(packets) == {"inform_sent", "answer"}
    for event, captured in packets.items():
        assert captured - (power_on + traced[event]) == pytest.approx(0, abs=AGREE_WITHIN), event
        when = logged[event].when
        log_time = (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()
        assert captured - log_time == pytest.approx(0, abs=AGREE_WITHIN), event
