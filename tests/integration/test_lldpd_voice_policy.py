"""lldpd, playing the switch, announces the voice VLAN; phonesim reads it as tshark does,
and lldpd reads the phone's own LLDP-MED frame as a Class III endpoint's.

lldpd runs in the test's namespace on its end of the veth only (`-I`), with
its own control socket (`-u`) and configuration (`-O`), as an LLDP-MED
network connectivity device (`-M 4`). The frames are read on the host end.
A policy configured without `tagged` goes out with the Tagged flag off: the
phone must report it and stay on its VLAN (TIA-1057).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from phonesim.codec.lldp_med import (
    ETHERTYPE_LLDP,
    LldpMed,
    build_endpoint_frame,
    decode_lldp_frame,
)
from phonesim.drivers.lldp_listener import LldpHeard, LldpSilence, hear_lldp_med
from tests.integration.frame_link import FrameLink
from tests.integration.tshark_fields import field_values, tshark_packets, write_pcap
from tests.netns import Namespace, namespace, require_netns, wait_until

pytestmark = pytest.mark.netns

TAGGED = "configure med policy application voice tagged vlan 150 priority voice dscp 46"
UNTAGGED = "configure med policy application voice vlan 150 priority voice dscp 46"


def lldp_switch(ns: Namespace, policy: str, workdir: Path, control: Path) -> None:
    """lldpd applies its configuration through lldpcli, run as the unprivileged _lldpd
    user: the socket and the file sit in `control`, a folder that user can reach."""
    config = control / "lldpd.conf"
    config.write_text(f"configure lldp tx-interval 1\n{policy}\n")
    config.chmod(0o644)
    ns.start(
        [
            "lldpd",
            "-d",
            "-u",
            str(control / "lldpd.socket"),
            "-I",
            ns.ns_link,
            "-M",
            "4",
            "-O",
            str(config),
        ],
        workdir / "lldpd.log",
    )


def first_policy_frame(link: FrameLink, workdir: Path) -> bytes:
    """The first LLDP frame that carries a network policy (bounded: lldpd sends every 1 s)."""

    def wanted(frame: bytes) -> bool:
        if int.from_bytes(frame[12:14], "big") != ETHERTYPE_LLDP:
            return False
        return bool(decode_lldp_frame(frame).policies)

    frame = link.receive(wanted, timeout=15)
    log = (workdir / "lldpd.log").read_text(errors="replace")
    assert frame is not None, f"no LLDP-MED policy from lldpd within 15 s:\n{log}"
    return frame


def received(policy: str, workdir: Path) -> tuple[bytes, LldpMed]:
    with (
        tempfile.TemporaryDirectory(prefix="phonesim-lldpd-") as control,
        namespace("lldp") as ns,
        FrameLink(ns.host_link) as link,
    ):
        Path(control).chmod(0o755)
        lldp_switch(ns, policy, workdir, Path(control))
        frame = first_policy_frame(link, workdir)
    return frame, decode_lldp_frame(frame)


def assert_tshark_agrees(frame: bytes, med: LldpMed, workdir: Path) -> None:
    [packet] = tshark_packets(write_pcap(workdir / "lldp.pcap", [frame]), "lldp")
    theirs = {
        name: [int(v) for v in field_values(packet, f"lldp.media.{name}")]
        for name in ("app_type", "policy_flag", "tag_flag", "vlan_id", "l2_prio", "dscp")
    }
    ours = {
        "app_type": [p.application for p in med.policies],
        "policy_flag": [int(p.unknown) for p in med.policies],
        "tag_flag": [int(p.tagged) for p in med.policies],
        "vlan_id": [p.vlan_id for p in med.policies],
        "l2_prio": [p.priority for p in med.policies],
        "dscp": [p.dscp for p in med.policies],
    }
    assert theirs == ours


def test_lldpd_tagged_voice_policy_gives_vlan_150(tmp_path: Path) -> None:
    require_netns("lldpd", "tshark")
    frame, med = received(TAGGED, tmp_path)
    voice = med.policy()
    assert voice is not None and voice.tagged and not voice.unknown
    assert (voice.vlan_id, voice.priority, voice.dscp) == (150, 5, 46)
    assert med.voice_vlan == 150
    assert_tshark_agrees(frame, med, tmp_path)


def test_lldpd_voice_policy_without_tagged_is_reported_and_not_used(tmp_path: Path) -> None:
    require_netns("lldpd", "tshark")
    frame, med = received(UNTAGGED, tmp_path)
    voice = med.policy()
    assert voice is not None and voice.vlan_id == 150 and not voice.tagged
    assert med.voice_vlan is None
    assert "not tagged (ignored)" in voice.describe()
    assert_tshark_agrees(frame, med, tmp_path)


def lldpd_neighbours(control: Path) -> dict[str, object]:
    shown = subprocess.run(
        [
            "lldpcli",
            "-u",
            str(control / "lldpd.socket"),
            "show",
            "neighbors",
            "details",
            "-f",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=10,
    )
    interfaces = json.loads(shown.stdout or "{}").get("lldp", {}).get("interface") or {}
    return interfaces if isinstance(interfaces, dict) else {}


def test_lldpd_reads_the_phone_s_frame_as_a_class_iii_endpoint(tmp_path: Path) -> None:
    require_netns("lldpd", "lldpcli", "tshark")
    frame = build_endpoint_frame("02:04:f2:00:01:50", system_name="CX600")
    with (
        tempfile.TemporaryDirectory(prefix="phonesim-lldpd-") as folder,
        namespace("lldp") as ns,
        FrameLink(ns.host_link) as link,
    ):
        control = Path(folder)
        control.chmod(0o755)
        lldp_switch(ns, TAGGED, tmp_path, control)

        def heard() -> bool:
            link.send(frame)
            return bool(lldpd_neighbours(control))

        wait_until(heard, timeout=20, what="lldpd hearing the phone", interval=0.5)
        [neighbour] = lldpd_neighbours(control).values()
    assert isinstance(neighbour, dict)
    [chassis] = neighbour["chassis"].values()
    assert chassis["id"] == {"type": "mac", "value": "02:04:f2:00:01:50"}
    assert neighbour["lldp-med"]["device-type"] == "Communication Device Endpoint (Class III)"
    [packet] = tshark_packets(write_pcap(tmp_path / "phone.pcap", [frame]), "lldp")
    assert field_values(packet, "lldp.media.subtype.class") == ["3"]
    assert field_values(packet, "lldp.chassis.id.mac") == ["02:04:f2:00:01:50"]


def test_the_phone_s_listener_hears_vlan_150_from_lldpd(tmp_path: Path) -> None:
    require_netns("lldpd")
    with (
        tempfile.TemporaryDirectory(prefix="phonesim-lldpd-") as folder,
        namespace("lldp") as ns,
    ):
        Path(folder).chmod(0o755)
        lldp_switch(ns, TAGGED, tmp_path, Path(folder))
        heard = asyncio.run(hear_lldp_med(ns.host_link, phone_mac="02:04:f2:00:01:50", timeout=15))
        switch_mac = ns.run("cat", f"/sys/class/net/{ns.ns_link}/address").stdout.strip()
    assert isinstance(heard, LldpHeard), heard
    assert heard.med.voice_vlan == 150 and heard.switch_mac == switch_mac
    assert heard.malformed == ()


def test_the_phone_s_listener_gives_up_when_the_switch_is_silent() -> None:
    require_netns()
    with namespace("lldp") as ns:
        heard = asyncio.run(hear_lldp_med(ns.host_link, phone_mac="02:04:f2:00:01:50", timeout=1.0))
    assert heard == LldpSilence(frames_seen=0, malformed=())


SENDER = """
import socket, sys, time
sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
sock.bind((sys.argv[1], 0))
for _ in range(40):
    for frame in sys.argv[2:]:
        sock.send(bytes.fromhex(frame))
    time.sleep(0.25)
"""


def test_a_broken_lldp_frame_is_counted_and_the_next_one_heard() -> None:
    """A neighbour's unreadable LLDPDU does not end the listening (sent from the namespace)."""
    require_netns()
    from tests.codec.test_lldp_med import VOICE_150, lldp_frame

    broken = lldp_frame(b"\x01\x41\x2d")  # a network policy one byte short
    good = lldp_frame(VOICE_150)

    async def scenario(ns: Namespace) -> LldpHeard | LldpSilence:
        listening = asyncio.create_task(
            hear_lldp_med(ns.host_link, phone_mac="02:04:f2:00:01:50", timeout=10)
        )
        await asyncio.sleep(0)
        sender = await asyncio.create_subprocess_exec(
            "ip",
            "netns",
            "exec",
            ns.name,
            sys.executable,
            "-c",
            SENDER,
            ns.ns_link,
            broken.hex(),
            good.hex(),
        )
        try:
            return await listening
        finally:
            sender.kill()
            await sender.wait()

    with namespace("lldp") as ns:
        heard = asyncio.run(scenario(ns))
    assert isinstance(heard, LldpHeard), heard
    assert heard.med.voice_vlan == 150
    assert heard.malformed and "holds 3 bytes" in heard.malformed[0]
