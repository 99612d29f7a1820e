"""Misbehaving DNS servers, for one phone and for a fleet (every phone accounted for)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import dns.message
import dns.rdataclass

from tests.hostile.dns_servers import dns_server
from tests.hostile.hostile_lab import (
    assert_accounted,
    assert_bounded,
    profile_with,
    run_case,
    run_fleet,
)


def _in_class_ch(answer: bytes) -> list[bytes]:
    """The lab's answer with every record moved to class CH."""
    message = dns.message.from_wire(answer)
    for rrset in message.answer:
        rrset.rdclass = dns.rdataclass.CH
    return [message.to_wire()]


def _garbage(answer: bytes) -> list[bytes]:
    return [answer[:2] + os.urandom(200)]


def _truncated(answer: bytes) -> list[bytes]:
    return [answer[: len(answer) // 2]]


def _profile(tmp_path: Path) -> list[str]:
    return ["--profile", str(profile_with(tmp_path, dns={"timeout": 1.0}))]


def test_the_relay_itself_is_faithful(tmp_path: Path) -> None:
    """The control: answers passed on unchanged give a successful boot."""
    case = asyncio.run(run_case(tmp_path, dns_server(lambda answer: [answer])))
    assert case.hostile.code == 0, case.hostile.output[-2000:]
    assert case.next_boot.code == 0


def test_answers_in_class_ch_leave_the_web_host_unresolved(tmp_path: Path) -> None:
    case = asyncio.run(run_case(tmp_path, dns_server(_in_class_ch), *_profile(tmp_path)))
    assert_bounded(case, "rootchain.web_host_unresolved", seconds=40)


def test_garbage_answers_time_out_cleanly(tmp_path: Path) -> None:
    case = asyncio.run(run_case(tmp_path, dns_server(_garbage), *_profile(tmp_path)))
    assert_bounded(case, "rootchain.web_host_unresolved", seconds=60)


def test_truncated_answers_time_out_cleanly(tmp_path: Path) -> None:
    case = asyncio.run(run_case(tmp_path, dns_server(_truncated), *_profile(tmp_path)))
    assert_bounded(case, "rootchain.web_host_unresolved", seconds=60)


def test_a_fleet_against_class_ch_answers_accounts_for_every_phone(tmp_path: Path) -> None:
    """D14: every phone of such a fleet ended as fleet.driver_error (an AttributeError)."""
    fleet = asyncio.run(run_fleet(tmp_path, dns_server(_in_class_ch), 20))
    assert fleet.code == 3, fleet.output[-2000:]
    assert_accounted(fleet, 20)
    assert fleet.seconds < 120 and fleet.peak_mb < 600


def test_replay_of_an_answer_in_class_ch_reads_as_no_answer(tmp_path: Path) -> None:
    """D14, offline: `phonesim replay` of such a capture ended in an AttributeError."""
    import dns.rrset
    from scapy.all import IP, UDP, Ether, wrpcap

    query = dns.message.make_query("_sipinternaltls._tcp.phonesim.test", "SRV")
    answer = dns.message.make_response(query)
    answer.answer.append(
        dns.rrset.from_text(query.question[0].name, 60, "CH", "SRV", r"\# 7 0000000013c500")
    )
    capture = tmp_path / "ch-srv.pcap"
    wrpcap(
        str(capture),
        [
            Ether(src="02:00:00:00:00:35", dst="02:00:00:00:00:0a")
            / IP(src="192.0.2.53", dst="192.0.2.10")
            / UDP(sport=53, dport=40000)
            / answer.to_wire()
        ],
    )
    done = subprocess.run(
        [sys.executable, "-m", "phonesim", "replay", str(capture)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in done.stderr + done.stdout, done.stderr[-2000:]
    assert done.returncode != 1
