"""Captures that lack what the phone needed, written with the example captures' own writer.

Each is what a real capture of a site looks like when something was not
recorded (a mirror port that copied one direction, a capture filter, a file
stopped or cut early), next to a site whose DHCP really did not answer.
"""

from __future__ import annotations

import runpy
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import dns.message
import dns.rdatatype

from tests.replay.captures import CAPTURES, capture, pcap_record_offsets

PHONE_B = "00:04:f2:5a:10:02"
PHONE_B_IP = "192.0.2.101"


@cache
def writer() -> dict[str, Any]:
    """make_captures.py's helpers (the scene, the INFORM/ACK builders, the pcap writer)."""
    return runpy.run_path(str(CAPTURES / "make_captures.py"))


def _retransmitted_inform(scene: Any, *, at: float, xid: int, mac: str, ciaddr: str) -> None:
    """A phone's DHCPINFORM and its retransmissions (same xid) after 4, 8 and 16 s."""
    w = writer()
    for delay in (0.0, 4.0, 12.0, 28.0):
        w["inform_exchange"](scene, at=at + delay, xid=xid, answers=[], mac=mac, ciaddr=ciaddr)


def span_without_replies(folder: Path) -> Path:
    """Two phones' broadcasts on a mirror port that did not copy the unicast replies.

    Phone A sends its INFORM four times; phone B once, 30 s later. Nothing from a
    server is in the file, which goes on to phone B's DNS question (its answer,
    unicast too, is missing as well) two minutes after the first INFORM.
    """
    w = writer()
    scene = w["Scene"]()
    t0 = w["T0"]
    _retransmitted_inform(scene, at=t0, xid=0x5A00_0001, mac=w["PHONE_MAC"], ciaddr=w["PHONE_IP"])
    w["inform_exchange"](
        scene, at=t0 + 30.0, xid=0x5A00_0002, answers=[], mac=PHONE_B, ciaddr=PHONE_B_IP
    )
    question = dns.message.make_query(f"_sipinternaltls._tcp.{w['DOMAIN']}", dns.rdatatype.SRV)
    question.id = 0x4001
    scene.add(
        w["Datagram"](
            t0 + 120.0,
            PHONE_B_IP,
            w["DNS_SERVER"],
            53001,
            53,
            question.to_wire(),
            PHONE_B,
            w["DNS_MAC"],
        )
    )
    path = folder / "span-without-replies.pcap"
    w["write_pcap"](path, scene, w["ethernet"])
    return path


def replies_filtered_out(folder: Path) -> Path:
    """`not dst port 68`: the DHCP answers were filtered out, the DNS answers were not.

    The phone's INFORMs are in the file, and its SRV and A lookups with their
    answers, so the replayed phone still decides, from DNS.
    """
    w = writer()
    scene = w["Scene"]()
    t0 = w["T0"]
    domain = w["DOMAIN"]
    _retransmitted_inform(scene, at=t0, xid=0x5A00_0011, mac=w["PHONE_MAC"], ciaddr=w["PHONE_IP"])
    w["srv_lookup"](
        scene,
        at=t0 + 0.0003,
        query_id=0x3001,
        name=f"_sipinternaltls._tcp.{domain}",
        records=[(0, 0, 5061, w["POOL"])],
    )
    path = folder / "replies-filtered-out.pcap"
    w["write_pcap"](path, scene, w["ethernet"])
    return path


def late_answers_elsewhere(folder: Path) -> Path:
    """A phone's INFORMs with no server traffic for five minutes, then another phone answered.

    Its session comes out of the capture before the answered exchange is read, so
    only "no server traffic so far" is known about it.
    """
    w = writer()
    scene = w["Scene"]()
    t0 = w["T0"]
    _retransmitted_inform(scene, at=t0, xid=0x5A00_0021, mac=w["PHONE_MAC"], ciaddr=w["PHONE_IP"])
    w["inform_exchange"](
        scene,
        at=t0 + 400.0,
        xid=0x5A00_0022,
        mac=PHONE_B,
        ciaddr=PHONE_B_IP,
        answers=[(0.0012, w["CS_DHCP"], w["CS_MAC"], w["uc_options"]())],
    )
    path = folder / "late-answers-elsewhere.pcap"
    w["write_pcap"](path, scene, w["ethernet"])
    return path


def site_did_not_answer(folder: Path) -> Path:
    """Three boots a hundred seconds apart: the second one's INFORMs got no answer at all.

    The capture holds the first and third answers and goes on long after the
    second phone gave up, so it is the site that did not answer.
    """
    w = writer()
    scene = w["Scene"]()
    t0 = w["T0"]
    answer = [(0.0012, w["CS_DHCP"], w["CS_MAC"], w["uc_options"]())]
    w["inform_exchange"](scene, at=t0, xid=0x5A00_0031, answers=answer)
    _retransmitted_inform(scene, at=t0 + 100.0, xid=0x5A00_0032, mac=PHONE_B, ciaddr=PHONE_B_IP)
    w["inform_exchange"](scene, at=t0 + 200.0, xid=0x5A00_0033, answers=answer)
    path = folder / "site-did-not-answer.pcap"
    w["write_pcap"](path, scene, w["ethernet"])
    return path


def stopped_after_inform(folder: Path) -> Path:
    """truncated.pcap stopped cleanly after session 3's INFORM, before its ACK (frame 6)."""
    data = capture("truncated.pcap").read_bytes()
    path = folder / "stopped-after-inform.pcap"
    path.write_bytes(data[: pcap_record_offsets(data)[5][0]])
    return path


def tshark_informs_only(folder: Path) -> Path | None:
    """What a user gets from `tshark -Y "dhcp.option.dhcp == 8" -w`: the INFORMs alone."""
    if shutil.which("tshark") is None:
        return None
    path = folder / "informonly.pcapng"
    subprocess.run(
        [
            "tshark",
            "-r",
            str(capture("two-servers.pcapng")),
            "-Y",
            "dhcp.option.dhcp == 8",
            "-w",
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return path
