"""The user-space VLAN interface carries frames of its VLAN, and only those, both ways.

The phone's side runs in the test process on the host end of the veth; the
switch's side is the same module run in the namespace, its TAP holding an
address there. An ARP request written untagged into the phone's TAP must
leave the veth tagged, be untagged into the namespace's TAP, and the
namespace kernel's reply come back the same way (the namespace's kernel drops
tagged frames on the veth itself: only the switch side's TAP hears VLAN 150).
No address is set in the root namespace.
"""

from __future__ import annotations

import ipaddress
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from scapy.layers.l2 import ARP, Ether

from phonesim.drivers.vlan_bridge import open_vlan
from phonesim.errors import UsageError
from tests.integration.frame_link import FrameLink, switch_vlan
from tests.netns import Namespace, namespace, require_netns

pytestmark = pytest.mark.netns

PHONE_MAC = "02:00:5e:00:01:50"


def voice_subnet(ns: Namespace) -> ipaddress.IPv4Network:
    """The documentation subnet the veth does not use (it exists only in the namespace)."""
    other = {"198.51.100.0/24": "192.0.2.0/24", "192.0.2.0/24": "198.51.100.0/24"}
    return ipaddress.IPv4Network(other[str(ns.segment.subnet)])


def arp_request(target: str) -> bytes:
    return bytes(
        Ether(src=PHONE_MAC, dst="ff:ff:ff:ff:ff:ff")
        / ARP(op=1, hwsrc=PHONE_MAC, psrc="0.0.0.0", pdst=target)
    )


def is_reply_from(address: str) -> Callable[[bytes], bool]:
    def wanted(frame: bytes) -> bool:
        packet = Ether(frame)
        return ARP in packet and packet[ARP].op == 2 and packet[ARP].psrc == address

    return wanted


def test_an_arp_exchange_crosses_both_vlan_bridges(tmp_path: Path) -> None:
    require_netns()
    with namespace("vlan") as ns:
        subnet = voice_subnet(ns)
        server = str(subnet.network_address + 53)
        switch_vlan(ns, 150, "v150", f"{server}/{subnet.prefixlen}", tmp_path)
        with (
            open_vlan(ns.host_link, 150, name="pv150", mac=PHONE_MAC) as vlan,
            FrameLink("pv150") as phone,
        ):
            phone.send(arp_request(server))
            reply = phone.receive(is_reply_from(server), timeout=5)
            assert reply is not None, "no ARP reply through VLAN 150"
            assert Ether(reply)[ARP].hwdst == PHONE_MAC
        # Read once the frame thread has stopped: it counts a frame after writing it.
        assert vlan.frames_tagged >= 1 and vlan.frames_untagged >= 1


def test_frames_of_another_vlan_do_not_cross(tmp_path: Path) -> None:
    require_netns()
    with namespace("vlan") as ns:
        subnet = voice_subnet(ns)
        server = str(subnet.network_address + 53)
        switch_vlan(ns, 150, "v150", f"{server}/{subnet.prefixlen}", tmp_path)
        with open_vlan(ns.host_link, 151, name="pv151", mac=PHONE_MAC), FrameLink("pv151") as phone:
            phone.send(arp_request(server))
            assert phone.receive(is_reply_from(server), timeout=1.5) is None


def test_an_unknown_parent_is_one_clear_error() -> None:
    require_netns()
    with pytest.raises(UsageError, match="no-such-link: no such interface"):
        open_vlan("no-such-link", 150)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["no-such-link", "150"], "cannot open VLAN 150 on no-such-link: no such interface"),
        (["lo", "4095"], "VLAN 4095 is outside 1..4094"),
    ],
)
def test_the_module_run_as_a_command_says_what_is_wrong_in_one_line(
    argv: list[str], message: str
) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "phonesim.drivers.vlan_bridge", *argv],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 2
    assert completed.stderr == f"vlan_bridge: {message}\n"
