"""Write the small example captures in this folder, made with phonesim's own codecs and lab.

    python examples/captures/make_captures.py [FOLDER]

Every DHCP payload comes from phonesim: the phone core's own DHCPINFORM, the
lab's DHCP responder and DNS server, or `build_ack` with the option codecs.
scapy only wraps them in link, IP and UDP headers and writes the files. The
output is byte for byte the same on every run (fixed times, xids and MACs), so
a test can regenerate the files and compare them with the committed ones.

Addresses are from the documentation ranges (192.0.2.0/24) and names under
`.test`; ports are the standard 67/68/53, as on a phone's network.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset

from phonesim.codec.cpe_ocphone_option import encode_cpe_ocphone_option
from phonesim.codec.dhcp_message import (
    DHCPACK,
    DHCPDISCOVER,
    DHCPOFFER,
    DHCPREQUEST,
    build_ack,
    build_inform,
    decode_dhcp_message,
)
from phonesim.codec.ms_uc_client_option import encode_ms_uc_client_option
from phonesim.codec.sip_server_option import encode_sip_server_names
from phonesim.core.commands import SendDhcp
from phonesim.core.identity import NetworkSettings, PhoneIdentity, Pin, default_mac
from phonesim.core.phone_factory import make_phone
from phonesim.lab.dhcp_responder import DhcpResponderConfig, LabDhcpResponder
from phonesim.lab.dns_server import LabDnsServer, LabZone
from phonesim.profiles import load_profile

FOLDER = Path(__file__).resolve().parent
T0 = 1795424400.0  # 2026-11-23 09:00:00 UTC
DOMAIN = "contoso.test"
POOL = f"pool01.{DOMAIN}"
WEB = f"web01.{DOMAIN}"
PHONE_MAC = "00:04:f2:5a:10:01"
PHONE_IP = "192.0.2.100"
ROUTER_MAC = "00:00:5e:00:01:01"
ENTERPRISE_DHCP = "192.0.2.5"
ENTERPRISE_MAC = "00:00:5e:00:53:05"
CS_DHCP = "192.0.2.6"
CS_MAC = "00:00:5e:00:53:06"
DNS_SERVER = "192.0.2.53"
DNS_MAC = "00:00:5e:00:53:35"
BROADCAST = "255.255.255.255"
REQUESTED = [1, 3, 6, 15, 42, 43, 120]
UC = "MS-UC-Client"


@dataclass(frozen=True)
class Datagram:
    """One UDP datagram of a capture, before it gets link-layer clothes."""

    time: float
    source: str
    destination: str
    source_port: int
    destination_port: int
    payload: bytes
    source_mac: str = PHONE_MAC
    destination_mac: str = "ff:ff:ff:ff:ff:ff"
    interface: str | None = None


@dataclass
class Scene:
    datagrams: list[Datagram] = field(default_factory=list)

    def add(self, *datagrams: Datagram) -> None:
        self.datagrams.extend(datagrams)

    def ordered(self) -> list[Datagram]:
        return sorted(self.datagrams, key=lambda d: d.time)


# ------------------------------------------------------------------ DHCP


def inform(xid: int, *, mac: str = PHONE_MAC, ciaddr: str = PHONE_IP) -> bytes:
    return build_inform(
        xid=xid, mac=mac, ciaddr=ciaddr, vendor_class=UC, parameter_request_list=REQUESTED
    )


def uc_options(*, web: str = WEB, pools: Sequence[str] = (POOL,)) -> list[tuple[int, bytes]]:
    return [
        (120, encode_sip_server_names(list(pools))),
        (43, encode_ms_uc_client_option(web_server_fqdn=web)),
    ]


def enterprise_options() -> list[tuple[int, bytes]]:
    """What an enterprise DHCP server adds to an INFORM answer: no 43, no 120."""
    return [
        (1, bytes((255, 255, 255, 0))),
        (3, bytes((192, 0, 2, 1))),
        (6, bytes((192, 0, 2, 53))),
        (15, DOMAIN.encode()),
    ]


def inform_exchange(
    scene: Scene,
    *,
    at: float,
    xid: int,
    answers: Sequence[tuple[float, str, str, list[tuple[int, bytes]]]],
    mac: str = PHONE_MAC,
    ciaddr: str = PHONE_IP,
    overload: Any = None,
    interface: str | None = None,
) -> None:
    """The phone's INFORM, broadcast, and each (delay, server, server MAC, options) answer."""
    request = inform(xid, mac=mac, ciaddr=ciaddr)
    scene.add(Datagram(at, ciaddr, BROADCAST, 68, 67, request, mac, interface=interface))
    decoded = decode_dhcp_message(request)
    for delay, server, server_mac, options in answers:
        ack = build_ack(request=decoded, server_id=server, options=options, overload_into=overload)
        scene.add(
            Datagram(at + delay, server, ciaddr, 67, 68, ack, server_mac, mac, interface=interface)
        )


def dora(
    scene: Scene,
    *,
    at: float,
    xid: int,
    vendor_class: str | None,
    offered: str,
    server: str,
    server_mac: str,
    answer_options: list[tuple[int, bytes]],
) -> None:
    """DISCOVER, OFFER, REQUEST, ACK of an ordinary lease (or of the CPE-OCPHONE VLAN query)."""
    from scapy.layers.dhcp import BOOTP, DHCP

    client_options: list[Any] = [("client_id", b"\x01" + _mac(PHONE_MAC))]
    if vendor_class is not None:
        client_options.append(("vendor_class_id", vendor_class.encode()))
    client_options.append(("param_req_list", [1, 3, 6, 15, 43]))

    def client(kind: int, extra: list[Any]) -> bytes:
        packet = BOOTP(op=1, xid=xid, flags=0x8000, chaddr=_mac(PHONE_MAC)) / DHCP(
            options=[("message-type", kind), *extra, *client_options, "end"]
        )
        return bytes(packet).ljust(300, b"\x00")

    def reply(kind: int) -> bytes:
        packet = BOOTP(
            op=2, xid=xid, flags=0x8000, yiaddr=offered, siaddr=server, chaddr=_mac(PHONE_MAC)
        ) / DHCP(
            options=[
                ("message-type", kind),
                ("server_id", server),
                ("lease_time", 86400),
                *[(code, value) for code, value in answer_options],
                "end",
            ]
        )
        return bytes(packet).ljust(300, b"\x00")

    steps = [
        (0.000, client(DHCPDISCOVER, []), True),
        (0.004, reply(DHCPOFFER), False),
        (0.010, client(DHCPREQUEST, [("requested_addr", offered), ("server_id", server)]), True),
        (0.013, reply(DHCPACK), False),
    ]
    for delay, payload, from_client in steps:
        if from_client:
            scene.add(Datagram(at + delay, "0.0.0.0", BROADCAST, 68, 67, payload, PHONE_MAC))
        else:
            scene.add(
                Datagram(at + delay, server, BROADCAST, 67, 68, payload, server_mac, PHONE_MAC)
            )


def _mac(text: str) -> bytes:
    return bytes.fromhex(text.replace(":", ""))


# ------------------------------------------------------------------- DNS


def srv_lookup(
    scene: Scene,
    *,
    at: float,
    query_id: int,
    name: str,
    records: Sequence[tuple[int, int, int, str]],
    client: str = PHONE_IP,
    latency: float = 0.0012,
) -> None:
    query = dns.message.make_query(name, dns.rdatatype.SRV)
    query.id = query_id
    response = dns.message.make_response(query)
    if records:
        response.answer.append(
            dns.rrset.from_text_list(
                name + ".", 300, "IN", "SRV", [f"{p} {w} {port} {t}." for p, w, port, t in records]
            )
        )
    else:
        response.set_rcode(dns.rcode.NXDOMAIN)
    scene.add(
        Datagram(at, client, DNS_SERVER, 53001, 53, query.to_wire(), PHONE_MAC, DNS_MAC),
        Datagram(
            at + latency, DNS_SERVER, client, 53, 53001, response.to_wire(), DNS_MAC, PHONE_MAC
        ),
    )


# ------------------------------------------------------------- link layers


def ip_udp(datagram: Datagram) -> Any:
    from scapy.layers.inet import IP, UDP
    from scapy.packet import Raw

    return (
        IP(src=datagram.source, dst=datagram.destination, id=0, ttl=64)
        / UDP(sport=datagram.source_port, dport=datagram.destination_port)
        / Raw(datagram.payload)
    )


def ethernet(datagram: Datagram, vlans: Sequence[int] = (), outer: int = 0x8100) -> Any:
    from scapy.layers.l2 import Dot1AD, Dot1Q, Ether

    frame: Any = Ether(src=datagram.source_mac, dst=datagram.destination_mac)
    for index, vlan in enumerate(vlans):
        if index == 0 and outer == 0x88A8 and len(vlans) > 1:
            frame = frame / Dot1AD(vlan=vlan)
        else:
            frame = frame / Dot1Q(vlan=vlan)
    return frame / ip_udp(datagram)


def cooked(datagram: Datagram) -> Any:
    from scapy.layers.l2 import CookedLinux

    outgoing = datagram.source_mac == PHONE_MAC
    return CookedLinux(
        pkttype=4 if outgoing else 0,
        lladdrtype=1,
        lladdrlen=6,
        src=_mac(datagram.source_mac).ljust(8, b"\x00"),
        proto=0x0800,
    ) / ip_udp(datagram)


def cooked_v2(datagram: Datagram) -> Any:
    from scapy.layers.l2 import CookedLinuxV2

    outgoing = datagram.source_mac == PHONE_MAC
    return CookedLinuxV2(
        proto=0x0800,
        ifindex=3,
        lladdrtype=1,
        pkttype=4 if outgoing else 0,
        lladdrlen=6,
        src=_mac(datagram.source_mac).ljust(8, b"\x00"),
    ) / ip_udp(datagram)


def write_pcap(
    path: Path, scene: Scene, frame: Callable[[Datagram], Any], linktype: int = 1
) -> None:
    from scapy.utils import PcapWriter

    with PcapWriter(str(path), linktype=linktype, sync=False) as writer:
        for datagram in scene.ordered():
            packet = frame(datagram)
            packet.time = datagram.time
            writer.write(packet)


def write_pcapng(path: Path, frames: Sequence[tuple[Datagram, Any, str]]) -> None:
    """Frames as (datagram, packet, interface name); one interface block per name."""
    from scapy.utils import PcapNgWriter

    with PcapNgWriter(str(path)) as writer:
        for datagram, packet, interface in sorted(frames, key=lambda frame: frame[0].time):
            packet.time = datagram.time
            packet.sniffed_on = interface
            writer.write(packet)


# --------------------------------------------------------------- captures


def lab_inform(folder: Path) -> None:
    """The phone core's own INFORM and the lab's answers (DHCP and DNS), as on a wire."""
    profile = load_profile("polycom-cx600")
    mac = default_mac(profile, "5551234")
    phone = make_phone(
        profile,
        PhoneIdentity(mac, "5551234", Pin("0000")),
        NetworkSettings(address="127.0.0.1", dns_domain="phonesim.test"),
        rng=random.Random(5),
        wall_clock=T0,
        final_stage="discovery",
    )
    sent = next(c for c in phone.start(0.0) if isinstance(c, SendDhcp))
    responder = LabDhcpResponder(
        DhcpResponderConfig(sip_servers=["pool01.phonesim.test"], web_fqdn="web01.phonesim.test")
    )
    ack = responder.answer(sent.payload)
    assert ack is not None
    dns_server = LabDnsServer(
        LabZone(
            origin="phonesim.test",
            srv={"_sipinternaltls._tcp.phonesim.test": [(0, 0, 5061, "pool01.phonesim.test")]},
            a={"pool01.phonesim.test": ["127.0.0.1"]},
        )
    )
    query = dns.message.make_query("_sipinternaltls._tcp.phonesim.test", dns.rdatatype.SRV)
    query.id = 0x5151
    answer = dns_server.answer(query.to_wire())
    assert answer is not None
    lo = "00:00:00:00:00:00"
    scene = Scene()
    scene.add(
        Datagram(T0, "127.0.0.1", "127.0.0.1", 68, 67, sent.payload, lo, lo),
        Datagram(T0 + 0.0004, "127.0.0.1", "127.0.0.1", 53002, 53, query.to_wire(), lo, lo),
        Datagram(T0 + 0.0011, "127.0.0.1", "127.0.0.1", 53, 53002, answer, lo, lo),
        Datagram(T0 + 0.0016, "127.0.0.1", "127.0.0.1", 67, 68, ack, lo, lo),
    )
    write_pcap(folder / "lab-inform.pcap", scene, ethernet)


def lab_dnsmasq_layout(folder: Path) -> None:
    """The lab's values in dnsmasq's layout: 43 sub-options reversed with an end code."""
    scene = Scene()
    uc = encode_ms_uc_client_option(web_server_fqdn="web01.phonesim.test")
    parts = []
    position = 0
    while position < len(uc):
        length = uc[position + 1]
        parts.append(uc[position : position + 2 + length])
        position += 2 + length
    reversed_43 = b"".join(reversed(parts)) + b"\xff"
    inform_exchange(
        scene,
        at=T0,
        xid=0x0D45_A5C0,
        ciaddr="127.0.0.1",
        answers=[
            (
                0.0009,
                "127.0.0.1",
                ENTERPRISE_MAC,
                [(43, reversed_43), (120, encode_sip_server_names(["pool01.phonesim.test"]))],
            )
        ],
    )
    write_pcap(folder / "lab-dnsmasq-layout.pcap", scene, ethernet)


def two_servers(folder: Path) -> None:
    """Enterprise DHCP answers first without an FQDN; Communications Server DHCP then wins."""
    scene = Scene()
    inform_exchange(
        scene,
        at=T0,
        xid=0x2B0C_0001,
        answers=[
            (0.0008, ENTERPRISE_DHCP, ENTERPRISE_MAC, enterprise_options()),
            (0.0021, CS_DHCP, CS_MAC, uc_options()),
        ],
    )
    srv_lookup(
        scene,
        at=T0 + 0.0003,
        query_id=0x1001,
        name=f"_sipinternaltls._tcp.{DOMAIN}",
        records=[(0, 0, 5061, POOL)],
    )
    write_pcapng(folder / "two-servers.pcapng", [(d, ethernet(d), "eth0") for d in scene.datagrams])


def voice_vlan(folder: Path) -> None:
    """VLAN query (CPE-OCPHONE, untagged), a lease and the INFORM tagged with VLAN 100."""
    scene = Scene()
    dora(
        scene,
        at=T0,
        xid=0x7A11_0001,
        vendor_class="CPE-OCPHONE",
        offered="198.51.100.77",
        server=ENTERPRISE_DHCP,
        server_mac=ENTERPRISE_MAC,
        answer_options=[(43, encode_cpe_ocphone_option(100))],
    )
    lease = Scene()
    dora(
        lease,
        at=T0 + 1.5,
        xid=0x7A11_0002,
        vendor_class=None,
        offered=PHONE_IP,
        server=ENTERPRISE_DHCP,
        server_mac=ENTERPRISE_MAC,
        answer_options=enterprise_options(),
    )
    inform_exchange(
        lease, at=T0 + 2.0, xid=0x7A11_0003, answers=[(0.0015, CS_DHCP, CS_MAC, uc_options())]
    )
    untagged = {id(d) for d in scene.datagrams}
    scene.add(*lease.datagrams)
    write_pcap(
        folder / "voice-vlan-8021q.pcap",
        scene,
        lambda d: ethernet(d) if id(d) in untagged else ethernet(d, [100]),
    )


def qinq(folder: Path) -> None:
    scene = Scene()
    inform_exchange(
        scene, at=T0, xid=0x0919_0001, answers=[(0.0011, CS_DHCP, CS_MAC, uc_options())]
    )
    write_pcap(folder / "qinq.pcap", scene, lambda d: ethernet(d, [200, 100], outer=0x88A8))


def linux_cooked(folder: Path) -> None:
    for name, frame, linktype in (
        ("linux-cooked-sll.pcap", cooked, 113),
        ("linux-cooked-sll2.pcap", cooked_v2, 276),
    ):
        scene = Scene()
        inform_exchange(
            scene,
            at=T0,
            xid=0x5110_0001 + linktype,
            answers=[(0.0013, CS_DHCP, CS_MAC, uc_options())],
        )
        write_pcap(folder / name, scene, frame, linktype=linktype)


def raw_ip(folder: Path) -> None:
    scene = Scene()
    inform_exchange(
        scene, at=T0, xid=0x1B00_0001, answers=[(0.0010, CS_DHCP, CS_MAC, uc_options())]
    )
    write_pcap(folder / "raw-ip.pcap", scene, ip_udp, linktype=101)


def two_interfaces(folder: Path) -> None:
    """pcapng from eth0 (VLAN 100 tagged) and Linux `any` (cooked): one exchange seen on both."""
    scene = Scene()
    inform_exchange(
        scene, at=T0, xid=0x2F00_0001, answers=[(0.0012, CS_DHCP, CS_MAC, uc_options())]
    )
    only_any = Scene()
    srv_lookup(
        only_any,
        at=T0 + 0.0002,
        query_id=0x2002,
        name=f"_sipinternaltls._tcp.{DOMAIN}",
        records=[(0, 0, 5061, POOL)],
    )
    second = Scene()
    inform_exchange(
        second,
        at=T0 + 30.0,
        xid=0x2F00_0002,
        mac="00:04:f2:5a:10:02",
        ciaddr="192.0.2.101",
        answers=[(0.0009, CS_DHCP, CS_MAC, uc_options())],
    )
    frames: list[tuple[Datagram, Any, str]] = []
    for datagram in scene.datagrams:
        frames.append((datagram, ethernet(datagram, [100]), "eth0"))
        copy = Datagram(**{**datagram.__dict__, "time": datagram.time + 0.00001})
        frames.append((copy, cooked(copy), "any"))
    frames += [(d, cooked(d), "any") for d in only_any.datagrams]
    frames += [(d, ethernet(d, [100]), "eth0") for d in second.datagrams]
    write_pcapng(folder / "two-interfaces.pcapng", frames)


def split_option_43(folder: Path) -> None:
    """A web FQDN long enough that option 43 passes 255 bytes (RFC 3396 parts), and option 52."""
    long_web = ".".join(("voice" + "x" * 55) for _ in range(3)) + f".{DOMAIN}"
    scene = Scene()
    inform_exchange(
        scene,
        at=T0,
        xid=0x3396_0001,
        answers=[(0.0014, CS_DHCP, CS_MAC, uc_options(web=long_web))],
    )
    inform_exchange(
        scene,
        at=T0 + 90.0,
        xid=0x3396_0002,
        answers=[(0.0014, CS_DHCP, CS_MAC, [(120, encode_sip_server_names([POOL]))])],
        overload="file",
    )
    write_pcap(folder / "split-option-43.pcap", scene, ethernet)


def truncated(folder: Path) -> None:
    """Two complete exchanges, then the file stops in the middle of the third one's ACK."""
    scene = Scene()
    for index in range(3):
        inform_exchange(
            scene,
            at=T0 + 100.0 * index,
            xid=0x7C00_0001 + index,
            answers=[(0.0012, CS_DHCP, CS_MAC, uc_options())],
        )
    path = folder / "truncated.pcap"
    write_pcap(path, scene, ethernet)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 200])


WRITERS: tuple[Callable[[Path], None], ...] = (
    lab_inform,
    lab_dnsmasq_layout,
    two_servers,
    voice_vlan,
    qinq,
    linux_cooked,
    raw_ip,
    two_interfaces,
    split_option_43,
    truncated,
)


def write_all(folder: Path = FOLDER) -> list[Path]:
    """Write every example capture into `folder`; returns their paths."""
    import logging

    # PcapNgWriter warns when interfaces have different link types, which is the point here.
    logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
    folder.mkdir(parents=True, exist_ok=True)
    for writer in WRITERS:
        writer(folder)
    return sorted(p for p in folder.iterdir() if p.suffix in (".pcap", ".pcapng"))


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else FOLDER
    for written in write_all(target):
        print(f"{written}  {written.stat().st_size} bytes")
