"""dnsmasq, Kea and ISC dhcpd give the phone its voice VLAN, then a lease on that VLAN.

Each server, configured from `phonesim dhcp-config --vlan 150 --pool ...`,
first answers the phone's VLAN query (a DISCOVER of vendor class CPE-OCPHONE)
on the untagged segment with option 43 sub-option 10 = "150"; a query of
vendor class `CPE-OCPhone` gets no VLAN (the match is case-sensitive). Then a
server on VLAN 150 (the namespace's `vlan_bridge`, the switch side) leases an
address to the phone, whose frames are tagged by its own `vlan_bridge`: DORA,
with router, DNS server, domain and time servers read by phonesim's codec.
tshark captures the trunk throughout and must read every field as phonesim does.
"""

from __future__ import annotations

import ipaddress
import subprocess
from pathlib import Path
from typing import Any

import pytest

from phonesim.app.replay import ReplayRequest, replay_capture
from phonesim.codec.cpe_ocphone_option import decode_cpe_ocphone_option
from phonesim.codec.dhcp_message import DHCPACK, decode_dhcp_message
from phonesim.codec.lease_options import read_lease
from phonesim.codec.link_layers import LINKTYPE_ETHERNET, UdpDatagram, find_udp
from phonesim.codec.vlan_tag import read_vlan_tag
from phonesim.drivers.vlan_bridge import open_vlan
from phonesim.profiles import load_profile
from phonesim.replay.bringup_summary import ASCII_DIGITS, summarise_bringup
from phonesim.replay.capture_skim import CaptureSkim
from phonesim.replay.replay_result import SessionReplay
from tests.integration.dhcp_peers import (
    SERVERS,
    TOOLS,
    SiteScope,
    generate,
    logs,
    start_server,
    stop,
    with_site_scope,
)
from tests.integration.dora_client import Lease, dora, vlan_query
from tests.integration.frame_link import FrameLink, switch_vlan
from tests.integration.tshark_fields import field_values, tshark_packets
from tests.netns import Namespace, namespace, require_netns, wait_until

pytestmark = pytest.mark.netns

PHONE_MAC = "02:04:f2:00:01:50"
OTHER_MAC = "02:04:f2:00:01:51"
POOL = "pool01.phonesim.test"
WEB = "web01.phonesim.test"
PHONE_OPTIONS = ["--sip-server", POOL, "--web-server", WEB]


def voice_subnet(ns: Namespace) -> ipaddress.IPv4Network:
    other = {"198.51.100.0/24": "192.0.2.0/24", "192.0.2.0/24": "198.51.100.0/24"}
    return ipaddress.IPv4Network(other[str(ns.segment.subnet)])


def start_capture(interface: str, workdir: Path) -> tuple[subprocess.Popen[bytes], Path]:
    capture, log = workdir / "trunk.pcapng", workdir / "tshark.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["tshark", "-i", interface, "-w", str(capture)], stdout=out, stderr=out
        )
    wait_until(
        lambda: "Capturing on" in log.read_text(errors="replace"),
        timeout=20,
        what="tshark",
        process=process,
        log=log,
    )
    return process, capture


def phonesim_reading(frame: bytes) -> dict[str, Any] | None:
    found = find_udp(LINKTYPE_ETHERNET, frame)
    if not isinstance(found, UdpDatagram) or not found.is_dhcp:
        return None
    message = decode_dhcp_message(found.payload)
    values = read_lease(message)
    tag = read_vlan_tag(frame)
    return {
        "vlan": list(found.vlans),
        "priority": [] if tag is None else [tag.priority],
        "xid": message.xid,
        "yiaddr": message.yiaddr,
        "routers": list(values.routers),
        "dns": list(values.dns_servers),
        "domain": values.domain,
        "ntp": list(values.ntp_servers),
        "time": list(values.time_servers),
        "option_43": message.options.get(43),
    }


def tshark_reading(packet: dict[str, Any]) -> dict[str, Any]:
    dhcp = packet["dhcp"]
    domain = field_values(dhcp, "dhcp.option.domain_name")
    option_43 = None
    types = field_values(dhcp, "dhcp.option.type")
    trees = dhcp.get("dhcp.option.type_tree", [])
    trees = [trees] if isinstance(trees, dict) else trees
    for kind, tree in zip(types, trees, strict=True):
        if kind == "43":
            value = bytes.fromhex(field_values(tree, "dhcp.option.value")[0].replace(":", ""))
            option_43 = (option_43 or b"") + value
    return {
        "vlan": [int(v) for v in field_values(packet.get("vlan", {}), "vlan.id")],
        "priority": [int(v) for v in field_values(packet.get("vlan", {}), "vlan.priority")],
        "xid": int(field_values(dhcp, "dhcp.id")[0], 16),
        "yiaddr": field_values(dhcp, "dhcp.ip.your")[0],
        "routers": field_values(dhcp, "dhcp.option.router"),
        "dns": field_values(dhcp, "dhcp.option.domain_name_server"),
        "domain": domain[0] if domain else None,
        "ntp": field_values(dhcp, "dhcp.option.ntp_server"),
        "time": field_values(dhcp, "dhcp.option.time_server"),
        "option_43": option_43,
    }


def assert_tshark_agrees(capture: Path) -> list[dict[str, Any]]:
    from scapy.utils import rdpcap

    ours = [r for r in (phonesim_reading(bytes(p)) for p in rdpcap(str(capture))) if r]
    theirs = [tshark_reading(packet) for packet in tshark_packets(capture, "dhcp")]
    assert ours, f"no DHCP frame in {capture}"
    assert theirs == ours
    return ours


def captured(capture: Path, xid: int, kind: int | None = None) -> bool:
    """Whether the capture file holds a frame of `xid` (of message type `kind`) yet (tshark
    writes it when its buffer fills or time passes: a busy machine can lag seconds behind)."""
    from scapy.error import Scapy_Exception
    from scapy.utils import rdpcap

    try:
        packets = rdpcap(str(capture))
    except (OSError, EOFError, Scapy_Exception):
        return False
    for packet in packets:
        found = find_udp(LINKTYPE_ETHERNET, bytes(packet))
        if not isinstance(found, UdpDatagram) or not found.is_dhcp:
            continue
        message = decode_dhcp_message(found.payload)
        if message.xid == xid and kind in (None, message.message_type):
            return True
    return False


def query_then_lease(kind: str, tmp_path: Path) -> tuple[Any, Any, Lease, SiteScope, list[Any]]:
    with namespace(f"vlan-{kind}") as ns:
        native = ns.segment.subnet
        voice = voice_subnet(ns)
        scope = SiteScope(
            router=str(voice.network_address + 1),
            dns_server=str(voice.network_address + 53),
            domain="phonesim.test",
            time_server=str(voice.network_address + 123),
        )
        tshark, capture = start_capture(ns.host_link, tmp_path)
        try:
            # The untagged segment: the server answers the VLAN query.
            config = generate(
                kind,
                tmp_path / f"{kind}-native.conf",
                native,
                ns.ns_link,
                [*PHONE_OPTIONS, "--vlan", "150"],
            )
            server = start_server(kind, ns, config, ns.ns_link, tmp_path)
            with FrameLink(ns.host_link) as link:
                # The whole query, as a phone makes it: its ACK is what the phone reads.
                answer = dora(link, PHONE_MAC, 0x15000001, vendor_class="CPE-OCPHONE").ack
                wrong_case = vlan_query(link, OTHER_MAC, 0x15000002, vendor_class="CPE-OCPhone")
            stop(server)
            # VLAN 150: the switch side in the namespace, the phone's side here.
            switch_vlan(ns, 150, "v150", f"{scope.dns_server}/{voice.prefixlen}", tmp_path)
            config = with_site_scope(
                kind,
                generate(kind, tmp_path / f"{kind}-voice.conf", voice, "v150", PHONE_OPTIONS),
                scope,
            )
            server = start_server(kind, ns, config, "v150", tmp_path)
            with (
                open_vlan(ns.host_link, 150, name="pv150", mac=PHONE_MAC, priority=5),
                FrameLink("pv150") as link,
            ):
                lease = dora(link, PHONE_MAC, 0x15000003)
            stop(server)
            # The lease's ACK, the last frame the replay below reads.
            wait_until(
                lambda: captured(capture, 0x15000003, DHCPACK), timeout=20, what="tshark's file"
            )
        except AssertionError as error:
            raise AssertionError(f"{error}\n{logs(tmp_path)}") from None
        finally:
            tshark.terminate()
            tshark.wait(timeout=10)
        readings = assert_tshark_agrees(capture)
    return answer, wrong_case, lease, scope, readings


@pytest.mark.parametrize("kind", SERVERS)
def test_the_server_gives_vlan_150_then_a_lease_on_it(kind: str, tmp_path: Path) -> None:
    require_netns(TOOLS[kind], "tshark")
    answer, wrong_case, lease, scope, readings = query_then_lease(kind, tmp_path)

    vlan = decode_cpe_ocphone_option(answer.options.get(43) or b"")
    assert vlan.vlan_id == 150 and not vlan.vlan_as_integer
    wrong = wrong_case.options.get(43)
    assert wrong is None or decode_cpe_ocphone_option(wrong).vlan_id is None

    values = read_lease(lease.ack)
    voice = ipaddress.IPv4Network(f"{scope.router}/24", strict=False)
    assert ipaddress.IPv4Address(values.address) in voice
    assert values.address == lease.offer.yiaddr
    assert values.routers == (scope.router,)
    assert values.dns_servers == (scope.dns_server,)
    assert values.domain == "phonesim.test"
    assert values.ntp_servers == (scope.time_server,)
    assert values.time_servers == (scope.time_server,)
    assert lease.ack.server_id == scope.dns_server
    web = lease.ack.uc_client_vendor()
    assert web is not None and web.web_server_fqdn == WEB
    sip = lease.ack.sip_server()
    assert sip is not None and list(sip.servers) == [POOL]

    # On the trunk: the VLAN query untagged, every frame of the lease tagged 150.
    by_xid = {(r["xid"], tuple(r["vlan"])) for r in readings}
    assert (0x15000001, ()) in by_xid
    assert {tuple(r["vlan"]) for r in readings if r["xid"] == 0x15000003} == {(150,)}
    # The phone's own frames carry the voice priority its VLAN interface was given.
    phone_frames = [r for r in readings if r["xid"] == 0x15000003 and r["yiaddr"] == "0.0.0.0"]
    assert phone_frames and all(r["priority"] == [5] for r in phone_frames)

    # The trunk's capture replayed: the query and the lease are one phone's boot, and the
    # replayed phone moves to VLAN 150 and takes the lease's values as it would have.
    boot = replayed_boot(tmp_path / "trunk.pcapng", PHONE_MAC)
    bringup = summarise_bringup(boot.traces)
    assert (bringup.vlan, bringup.vlan_spelling) == (150, ASCII_DIGITS)
    assert bringup.lease["address"] == values.address
    assert bringup.lease["domain"] == "phonesim.test" and bringup.lease["domain_source"] == "lease"
    assert bringup.lease["dns_servers"] == [scope.dns_server]
    assert bringup.lease["ntp_servers"] == [scope.time_server]


def replayed_boot(capture: Path, mac: str) -> SessionReplay:
    """`phonesim replay`'s boot of `mac` in `capture` (its VLAN query and lease, no INFORM)."""
    skim = CaptureSkim(capture)
    replays = [
        item.replay
        for item in replay_capture(ReplayRequest(capture, load_profile("polycom-cx600")), skim)
        if item.replay is not None and item.boot is not None and item.boot.client_mac == mac
    ]
    assert skim.error is None, skim.error
    assert len(replays) == 1, replays
    boot = replays[0].boot
    assert boot is not None and boot.vlan_query is not None and boot.lease is not None
    return replays[0]


def test_dnsmasq_sends_an_unquoted_vlan_as_a_one_byte_integer(tmp_path: Path) -> None:
    """Why dhcp-config quotes it: by hand, `...,10,150` reaches the phone as `0a 01 96`."""
    require_netns("dnsmasq")
    with namespace("vlan-unquoted") as ns:
        subnet = ns.segment.subnet
        config = tmp_path / "unquoted.conf"
        config.write_text(
            f"dhcp-range={subnet.network_address + 100},{subnet.network_address + 149},1h\n"
            "dhcp-option=vendor:CPE-OCPHONE,10,150\n"
        )
        server = start_server("dnsmasq", ns, config, ns.ns_link, tmp_path)
        try:
            with FrameLink(ns.host_link) as link:
                answer = vlan_query(link, PHONE_MAC, 0x15000009)
        except AssertionError as error:
            raise AssertionError(f"{error}\n{logs(tmp_path)}") from None
        finally:
            stop(server)
    value = answer.options.get(43) or b""
    assert value.startswith(bytes.fromhex("0a0196"))
    vlan = decode_cpe_ocphone_option(value)
    assert vlan.vlan_id == 150 and vlan.vlan_as_integer
