"""Captures of whole phone boots: the VLAN query, its RELEASE, the lease on the voice VLAN,
the INFORM, written with the example captures' own writer (scapy frames, phonesim codecs).

Each is a site as a capture shows it: dnsmasq's one-byte VLAN and a lease without
option 15, a VLAN option configured for the wrong vendor class, a warm boot that skipped
discovery (no INFORM at all), two phones booting at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from phonesim.codec.cpe_ocphone_option import encode_cpe_ocphone_option
from phonesim.codec.dhcp_message import DHCPACK, DHCPDISCOVER, DHCPOFFER, DHCPRELEASE, DHCPREQUEST
from tests.replay.gap_captures import writer

PHONE_B = "00:04:f2:5a:10:02"
VOICE_VLAN = 150
QUERY_ADDRESS = "198.51.100.77"
DNSMASQ_VLAN_150 = bytes((10, 1, VOICE_VLAN))
"""dnsmasq's `43,10,150` unquoted: sub-option 10 as the one-byte integer 0x96."""


def _mac(text: str) -> bytes:
    return bytes.fromhex(text.replace(":", ""))


def dora(
    scene: Any,
    *,
    at: float,
    xid: int,
    mac: str,
    offered: str,
    options: list[tuple[int, bytes]],
    vendor_class: str | None = "CPE-OCPHONE",
    vlan: int = 0,
) -> list[Any]:
    """DISCOVER, OFFER, REQUEST, ACK of one client (a VLAN query, or a lease on `vlan`)."""
    from scapy.layers.dhcp import BOOTP, DHCP

    w = writer()
    server, server_mac = w["ENTERPRISE_DHCP"], w["ENTERPRISE_MAC"]
    asks: list[Any] = [("client_id", b"\x01" + _mac(mac))]
    if vendor_class is not None:
        asks.append(("vendor_class_id", vendor_class.encode()))
    asks.append(("param_req_list", [1, 3, 6, 15, 4, 42, 43]))

    def client(kind: int, extra: Sequence[Any]) -> bytes:
        packet = BOOTP(op=1, xid=xid, flags=0x8000, chaddr=_mac(mac)) / DHCP(
            options=[("message-type", kind), *extra, *asks, "end"]
        )
        return bytes(packet).ljust(300, b"\x00")

    def reply(kind: int) -> bytes:
        packet = BOOTP(op=2, xid=xid, flags=0x8000, yiaddr=offered, chaddr=_mac(mac)) / DHCP(
            options=[
                ("message-type", kind),
                ("server_id", server),
                ("lease_time", 86400),
                *options,
                "end",
            ]
        )
        return bytes(packet).ljust(300, b"\x00")

    request = [("requested_addr", offered), ("server_id", server)]
    datagrams = [
        w["Datagram"](at, "0.0.0.0", "255.255.255.255", 68, 67, client(DHCPDISCOVER, []), mac),
        w["Datagram"](at + 0.004, server, "255.255.255.255", 67, 68, reply(DHCPOFFER), server_mac),
        w["Datagram"](
            at + 0.01, "0.0.0.0", "255.255.255.255", 68, 67, client(DHCPREQUEST, request), mac
        ),
        w["Datagram"](at + 0.013, server, "255.255.255.255", 67, 68, reply(DHCPACK), server_mac),
    ]
    scene.add(*datagrams)
    return [(d, vlan) for d in datagrams]


def release(scene: Any, *, at: float, xid: int, mac: str, address: str) -> list[Any]:
    from scapy.layers.dhcp import BOOTP, DHCP

    w = writer()
    packet = BOOTP(op=1, xid=xid, ciaddr=address, chaddr=_mac(mac)) / DHCP(
        options=[("message-type", DHCPRELEASE), ("server_id", w["ENTERPRISE_DHCP"]), "end"]
    )
    datagram = w["Datagram"](
        at, address, w["ENTERPRISE_DHCP"], 68, 67, bytes(packet).ljust(300, b"\x00"), mac
    )
    scene.add(datagram)
    return [(datagram, 0)]


def lease_options(*, domain: bool = True) -> list[tuple[int, bytes]]:
    w = writer()
    options = [
        (1, bytes((255, 255, 255, 0))),
        (3, bytes((192, 0, 2, 1))),
        (6, bytes((192, 0, 2, 53))),
    ]
    if domain:
        options.append((15, w["DOMAIN"].encode()))
    return options


def _boot(
    scene: Any,
    *,
    at: float,
    mac: str,
    first_xid: int,
    address: str,
    query_options: list[tuple[int, bytes]],
    lease: list[tuple[int, bytes]] | None,
    inform: bool,
    inform_answer: list[tuple[int, bytes]] | None = None,
) -> dict[int, int]:
    """One phone's boot; returns the VLAN of each datagram that is tagged (by id)."""
    w = writer()
    tagged: dict[int, int] = {}
    dora(scene, at=at, xid=first_xid, mac=mac, offered=QUERY_ADDRESS, options=query_options)
    if lease is not None:
        release(scene, at=at + 0.02, xid=first_xid + 1, mac=mac, address=QUERY_ADDRESS)
        for datagram, _ in dora(
            scene, at=at + 0.5, xid=first_xid + 2, mac=mac, offered=address, options=lease
        ):
            tagged[id(datagram)] = VOICE_VLAN
    if inform:
        before = {id(d) for d in scene.datagrams}
        answer = inform_answer if inform_answer is not None else w["uc_options"]()
        w["inform_exchange"](
            scene,
            at=at + 1.0,
            xid=first_xid + 3,
            answers=[(0.0015, w["CS_DHCP"], w["CS_MAC"], answer)],
            mac=mac,
            ciaddr=address,
        )
        if lease is not None:
            tagged.update({id(d): VOICE_VLAN for d in scene.datagrams if id(d) not in before})
    return tagged


def _write(path: Path, scene: Any, tagged: dict[int, int]) -> Path:
    w = writer()
    w["write_pcap"](
        path,
        scene,
        lambda d: w["ethernet"](d, [tagged[id(d)]]) if id(d) in tagged else w["ethernet"](d),
    )
    return path


def dnsmasq_boot(folder: Path) -> Path:
    """dnsmasq's one-byte VLAN 150; the lease on VLAN 150 has no option 15; the INFORM's
    ACK (Communications Server DHCP) names the domain."""
    w = writer()
    scene = w["Scene"]()
    ack = [*w["uc_options"](), (15, w["DOMAIN"].encode())]
    tagged = _boot(
        scene,
        at=w["T0"],
        mac=w["PHONE_MAC"],
        first_xid=0x2B00_0001,
        address=w["PHONE_IP"],
        query_options=[(43, DNSMASQ_VLAN_150)],
        lease=lease_options(domain=False),
        inform=True,
        inform_answer=ack,
    )
    return _write(folder / "dnsmasq-boot.pcap", scene, tagged)


def wrong_vendor_class_boot(folder: Path) -> Path:
    """The VLAN option configured for `CPE-OCPhone`: the answer to the phone's CPE-OCPHONE
    query is a lease without option 43, and the phone's INFORM follows, untagged."""
    w = writer()
    scene = w["Scene"]()
    tagged = _boot(
        scene,
        at=w["T0"],
        mac=w["PHONE_MAC"],
        first_xid=0x2C00_0001,
        address=QUERY_ADDRESS,
        query_options=lease_options(),
        lease=None,
        inform=True,
    )
    return _write(folder / "wrong-vendor-class-boot.pcap", scene, tagged)


def warm_boot(folder: Path) -> Path:
    """A phone whose cache let it skip discovery: VLAN query, RELEASE, lease; no INFORM."""
    w = writer()
    scene = w["Scene"]()
    tagged = _boot(
        scene,
        at=w["T0"],
        mac=w["PHONE_MAC"],
        first_xid=0x2D00_0001,
        address=w["PHONE_IP"],
        query_options=[(43, encode_cpe_ocphone_option(VOICE_VLAN))],
        lease=lease_options(),
        inform=False,
    )
    return _write(folder / "warm-boot.pcap", scene, tagged)


def two_phones(folder: Path) -> Path:
    """Two phones booting at once, their sessions interleaved in the capture."""
    w = writer()
    scene = w["Scene"]()
    tagged: dict[int, int] = {}
    for offset, mac, xid, address in (
        (0.0, w["PHONE_MAC"], 0x2E00_0001, w["PHONE_IP"]),
        (0.2, PHONE_B, 0x2F00_0001, "192.0.2.101"),
    ):
        tagged |= _boot(
            scene,
            at=w["T0"] + offset,
            mac=mac,
            first_xid=xid,
            address=address,
            query_options=[(43, encode_cpe_ocphone_option(VOICE_VLAN))],
            lease=lease_options(),
            inform=True,
        )
    return _write(folder / "two-phones.pcap", scene, tagged)
