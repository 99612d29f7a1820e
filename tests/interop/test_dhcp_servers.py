"""The phone against real DHCP servers (dnsmasq, Kea, ISC dhcpd) configured by `phonesim dhcp-config`.

Each test makes a namespace joined to the host by a veth, starts the servers
in it with the generated configuration, and boots the phone in the root
namespace on the host end of the veth: broadcast INFORM from port 68, as on a
real network. Web services, registrar and time stay the embedded lab on
loopback; DNS comes from a real dnsmasq in the namespace. Every capture the
phone writes is read by tshark too, which must decode it as phonesim does.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from phonesim.app.boot import BootReport, boot_phone
from phonesim.core.outcome import Success
from phonesim.core.profile import DeviceProfile
from phonesim.drivers.network import Network
from phonesim.lab.embedded_lab import EmbeddedLab
from phonesim.profiles import load_profile
from tests.integration.test_real_dns_servers import _answers, dnsmasq_command
from tests.interop.servers import (
    SERVERS,
    TOOLS,
    dhcp_config,
    server_log,
    start_dhcp_server,
    wait_for_dhcp,
)
from tests.interop.tshark import assert_tshark_agrees
from tests.netns import Namespace, namespace, require_netns, wait_until

pytestmark = pytest.mark.netns

DOMAIN = "phonesim.test"
POOL = f"pool01.{DOMAIN}"
WEB = f"web01.{DOMAIN}"
LAB_URL = f"https://{WEB}:443/CertProv/CertProvisioningService.svc"


def short_window_profile(*, option_57: int | None = None) -> DeviceProfile:
    """The CX600 profile with a short answer window, so a test does not wait 2 s per boot."""
    profile = load_profile("polycom-cx600")
    dhcp = dataclasses.replace(profile.dhcp, answer_window=0.4, max_message_size=option_57)
    return dataclasses.replace(profile, dhcp=dhcp)


def live_network(ns: Namespace, tmp_path: Path, port_map: dict[int, int] | None = None) -> Network:
    return Network(
        dhcp_server=("255.255.255.255", 67),
        dns_server=(ns.segment.server_address, 53),
        address=ns.segment.host_address,
        domain=DOMAIN,
        port_map=dict(port_map or {}),
        local_dhcp=("", 68),
        interface=ns.host_link,
        mac_source="interface",
        capture=tmp_path / "capture.pcap",
    )


async def boot(
    network: Network, tmp_path: Path, *, profile: DeviceProfile | None = None, **kwargs: Any
) -> BootReport:
    return await boot_phone(
        profile=profile or short_window_profile(),
        sign_in_as="5551234",
        pin="13579",
        network=network,
        seed=4,
        run_dir=tmp_path / "run",
        **kwargs,
    )


async def serve(
    kind: str,
    ns: Namespace,
    tmp_path: Path,
    *,
    sip_servers: Sequence[str] = (POOL,),
    web_server: str = WEB,
    extra: Sequence[str] = (),
) -> None:
    config = dhcp_config(
        kind,
        tmp_path / f"{kind}-{ns.name}.conf",
        sip_servers=sip_servers,
        web_server=web_server,
        ns=ns,
        extra=extra,
    )
    process = start_dhcp_server(kind, ns, config, tmp_path)
    try:
        await asyncio.to_thread(wait_for_dhcp, ns, [ns.address], [process])
    except AssertionError as error:
        raise AssertionError(f"{error}\n{server_log(tmp_path)}") from None


def decided(report: BootReport) -> dict[str, Any]:
    return next(t.fields for t in report.traces if t.event == "decided")


@pytest.mark.parametrize("kind", SERVERS)
def test_each_server_signs_the_phone_in(kind: str, tmp_path: Path) -> None:
    """Config from `phonesim dhcp-config`, broadcast INFORM, then the whole sign-in."""
    require_netns(TOOLS[kind], "dnsmasq", "tshark")

    async def scenario() -> BootReport:
        async with EmbeddedLab() as lab:
            assert lab.dns is not None
            with namespace(f"srv-{kind}") as ns:
                dns_log = tmp_path / "dns.log"
                dns_process = ns.start(dnsmasq_command(lab.dns.zone, ns.segment, tmp_path), dns_log)
                srv_name = f"_sipinternaltls._tcp.{DOMAIN}"
                await asyncio.to_thread(
                    wait_until,
                    lambda: _answers(srv_name, ns.segment.server_address),
                    timeout=15,
                    what="dnsmasq (DNS)",
                    process=dns_process,
                    log=dns_log,
                )
                await serve(kind, ns, tmp_path)
                return await boot(live_network(ns, tmp_path, lab.endpoints.port_map), tmp_path)

    report = asyncio.run(scenario())
    assert isinstance(report.outcome, Success), report.result
    assert report.result["TargetUri"] == LAB_URL
    assert report.result["TargetFqdn"] == POOL
    choice = decided(report)
    assert choice["web_source"].startswith("dhcp")
    assert choice["registrar_source"] == "dhcp option 120"
    [answer] = report.result["DhcpAnswers"]
    assert answer["Used"] and answer["SipServers"] == [POOL] and answer["WebUrl"] == LAB_URL
    readings = assert_tshark_agrees(tmp_path / "capture.pcap")
    assert readings[0].vendor_class == "MS-UC-Client"
    assert any(r.sip_servers == [POOL] and r.option_43 for r in readings)


def plain_dnsmasq(ns: Namespace, tmp_path: Path) -> Path:
    """A site DHCP server nobody configured for the phones: it answers INFORM without 43 or 120."""
    subnet = ns.segment.subnet
    config = tmp_path / f"plain-{ns.name}.conf"
    config.write_text(f"dhcp-range={subnet.network_address},static,{subnet.netmask}\n")
    return config


def test_two_servers_answer_and_the_one_with_an_fqdn_wins(tmp_path: Path) -> None:
    """dnsmasq without phone options answers first; Kea's answer, with the FQDN, is used."""
    require_netns("dnsmasq", "kea-dhcp4", "tshark")

    async def scenario() -> tuple[BootReport, str, str]:
        with namespace("two") as ns:
            kea_ns = ns.add_neighbour(54)
            plain = start_dhcp_server("dnsmasq", ns, plain_dnsmasq(ns, tmp_path), tmp_path)
            config = dhcp_config(
                "kea", tmp_path / "kea.json", sip_servers=[POOL], web_server=WEB, ns=kea_ns
            )
            kea = start_dhcp_server("kea", kea_ns, config, tmp_path)
            await asyncio.to_thread(wait_for_dhcp, ns, [ns.address, kea_ns.address], [plain, kea])
            report = await boot(live_network(ns, tmp_path), tmp_path, final_stage="discovery")
            return report, ns.address, kea_ns.address

    report, plain_address, kea_address = asyncio.run(scenario())
    assert isinstance(report.outcome, Success), report.result
    answers = {entry["Server"]: entry for entry in report.result["DhcpAnswers"]}
    assert set(answers) == {plain_address, kea_address}
    assert answers[kea_address]["Used"] and not answers[plain_address]["Used"]
    assert answers[plain_address]["SipServers"] is None
    assert "no option 43" in answers[plain_address]["Problems"]
    won = next(t for t in report.traces if t.event == "answer_won")
    assert won.fields["server"] == kea_address
    assert decided(report)["registrars"] == [f"{POOL}:5061"]
    readings = assert_tshark_agrees(tmp_path / "capture.pcap")
    assert len(readings) == 3  # the INFORM and both answers


def test_with_two_fqdn_answers_the_first_to_arrive_wins(tmp_path: Path) -> None:
    """dnsmasq names one pool, ISC dhcpd another: the phone uses whichever answered first."""
    require_netns("dnsmasq", "dhcpd", "tshark")

    async def scenario() -> tuple[BootReport, dict[str, str]]:
        with namespace("race") as ns:
            other = ns.add_neighbour(54)
            pools = {ns.address: f"pool-a.{DOMAIN}", other.address: f"pool-b.{DOMAIN}"}
            first = start_dhcp_server(
                "dnsmasq",
                ns,
                dhcp_config(
                    "dnsmasq",
                    tmp_path / "a.conf",
                    sip_servers=[pools[ns.address]],
                    web_server=WEB,
                    ns=ns,
                ),
                tmp_path,
            )
            second = start_dhcp_server(
                "isc-dhcpd",
                other,
                dhcp_config(
                    "isc-dhcpd",
                    tmp_path / "b.conf",
                    sip_servers=[pools[other.address]],
                    web_server=WEB,
                    ns=other,
                ),
                tmp_path,
            )
            await asyncio.to_thread(wait_for_dhcp, ns, list(pools), [first, second])
            report = await boot(live_network(ns, tmp_path), tmp_path, final_stage="discovery")
            return report, pools

    report, pools = asyncio.run(scenario())
    assert isinstance(report.outcome, Success), report.result
    answers = report.result["DhcpAnswers"]
    assert {entry["Server"] for entry in answers} == set(pools)
    first, second = sorted(answers, key=lambda entry: entry["AfterInform"])
    assert first["Used"] and first["SeenByPhone"] and not second["Used"]
    assert decided(report)["registrars"] == [f"{pools[first['Server']]}:5061"]
    # The later answer was either looked at and ignored, or came after the phone stopped.
    ignored = [t for t in report.traces if t.event == "answer_ignored"]
    assert second["SeenByPhone"] == bool(ignored)
    assert_tshark_agrees(tmp_path / "capture.pcap")


def test_option_120_in_encoding_1_gives_the_registrar_address(tmp_path: Path) -> None:
    require_netns("dhcpd", "tshark")

    async def scenario() -> tuple[BootReport, str]:
        with namespace("enc1") as ns:
            registrar = ns.segment.host(60)
            await serve("isc-dhcpd", ns, tmp_path, sip_servers=[registrar])
            report = await boot(live_network(ns, tmp_path), tmp_path, final_stage="discovery")
            return report, registrar

    report, registrar = asyncio.run(scenario())
    answer = next(t.fields for t in report.traces if t.event == "answer")
    assert answer["option_120"]["encoding"] == 1
    assert answer["option_120"]["servers"] == [registrar]
    assert decided(report)["registrars"] == [f"{registrar}:5061"]
    readings = assert_tshark_agrees(tmp_path / "capture.pcap")
    assert any(r.sip_encoding == 1 and r.sip_servers == [registrar] for r in readings)


@pytest.mark.parametrize("kind", ["dnsmasq", "kea"])
def test_two_registrar_names_are_tried_in_order(kind: str, tmp_path: Path) -> None:
    require_netns(TOOLS[kind], "tshark")
    pools = [f"pool01.{DOMAIN}", f"pool02.{DOMAIN}"]

    async def scenario() -> BootReport:
        with namespace(f"names-{kind}") as ns:
            await serve(kind, ns, tmp_path, sip_servers=pools)
            return await boot(live_network(ns, tmp_path), tmp_path, final_stage="discovery")

    report = asyncio.run(scenario())
    assert decided(report)["registrars"] == [f"{pool}:5061" for pool in pools]
    answer = next(t.fields for t in report.traces if t.event == "answer")
    assert answer["option_120"]["compressed"] is False  # DHCPUtil's bytes, not the server's own
    readings = assert_tshark_agrees(tmp_path / "capture.pcap")
    assert any(r.sip_servers == pools for r in readings)


LONG_WEB = ".".join(["web-services-" + label * 37 for label in "abcd"]) + f".{DOMAIN}"
LONG_URL = f"https://{LONG_WEB}:443/CertProv/CertProvisioningService.svc"


@pytest.mark.parametrize(
    ("kind", "option_57"), [("dnsmasq", 1500), ("kea", None), ("isc-dhcpd", 1500)]
)
def test_a_long_option_43_arrives_split_and_joins_back(
    kind: str, option_57: int | None, tmp_path: Path
) -> None:
    """Option 43 over 255 bytes: each server splits it (RFC 3396), the phone joins the parts.

    dnsmasq and ISC dhcpd need the phone's option 57 to send it whole (see the next test).
    """
    require_netns(TOOLS[kind], "tshark")

    async def scenario() -> BootReport:
        with namespace(f"long-{kind}") as ns:
            await serve(kind, ns, tmp_path, web_server=LONG_WEB)
            return await boot(
                live_network(ns, tmp_path),
                tmp_path,
                profile=short_window_profile(option_57=option_57),
                final_stage="discovery",
            )

    report = asyncio.run(scenario())
    assert len(LONG_URL) > 255
    assert isinstance(report.outcome, Success), report.result
    assert decided(report)["web_url"] == LONG_URL
    [answer] = report.result["DhcpAnswers"]
    assert int(answer["SplitOptions"]["43"]) >= 2
    readings = assert_tshark_agrees(tmp_path / "capture.pcap")
    assert any(r.option_43 is not None and len(r.option_43) > 255 for r in readings)


@pytest.mark.parametrize(
    ("kind", "problem"),
    [("dnsmasq", "option 43 lacks sub-options 2, 3"), ("isc-dhcpd", "no option 120")],
)
def test_without_option_57_a_long_option_43_costs_the_phone_an_option(
    kind: str, problem: str, tmp_path: Path
) -> None:
    """What `dhcp-config` warns about for these two servers, as the phone sees it.

    Replies to a phone that sends no option 57 stay within 576 bytes: dnsmasq
    drops the sub-options that do not fit, ISC dhcpd the option after 43.
    """
    require_netns(TOOLS[kind])

    async def scenario() -> BootReport:
        with namespace(f"no57-{kind}") as ns:
            await serve(kind, ns, tmp_path, web_server=LONG_WEB)
            return await boot(live_network(ns, tmp_path), tmp_path, final_stage="dhcp")

    report = asyncio.run(scenario())
    [answer] = report.result["DhcpAnswers"]
    assert problem in answer["Problems"]
    assert answer["WebUrl"] is None or answer["SipServers"] is None
    assert report.result["Result"] == ("Failure" if answer["SipServers"] is None else "Success")


def test_kea_answers_a_phone_mac_that_is_not_the_interfaces(tmp_path: Path) -> None:
    """Kea replies to the frame's source MAC without ARP: only the packet socket sees it."""
    require_netns("kea-dhcp4", "tshark")

    async def scenario() -> tuple[BootReport, str]:
        with namespace("mac") as ns:
            await serve("kea", ns, tmp_path)
            network = live_network(ns, tmp_path)
            network.mac_source = "profile"
            report = await boot(network, tmp_path, final_stage="discovery")
            host_mac = Path(f"/sys/class/net/{ns.host_link}/address").read_text().strip()
            return report, host_mac

    report, host_mac = asyncio.run(scenario())
    phone_mac = report.result["Phone"]["Mac"]
    assert phone_mac.startswith("00:04:f2") and phone_mac != host_mac
    assert isinstance(report.outcome, Success), report.result
    assert decided(report)["web_url"] == LAB_URL
    inform, *answers = headers(tmp_path / "capture.pcap")
    assert (inform.src_mac, inform.dst_mac) == (phone_mac, "ff:ff:ff:ff:ff:ff")
    assert [answer.dst_mac for answer in answers] == [phone_mac]
    assert_tshark_agrees(tmp_path / "capture.pcap")


@dataclasses.dataclass(frozen=True)
class Headers:
    src_mac: str
    dst_mac: str
    dst_ip: str
    src_port: int
    dst_port: int


def headers(capture: Path) -> list[Headers]:
    """Ethernet, IP and UDP header fields of each packet in the phone's capture."""
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether
    from scapy.utils import rdpcap

    return [
        Headers(p[Ether].src, p[Ether].dst, p[IP].dst, p[UDP].sport, p[UDP].dport)
        for p in rdpcap(str(capture))
    ]


@pytest.mark.parametrize("kind", SERVERS)
def test_relayed_inform_reaches_each_server(kind: str, tmp_path: Path) -> None:
    """giaddr set, sent from port 67: dnsmasq answers the relay, Kea and dhcpd the phone's 68."""
    require_netns(TOOLS[kind], "tshark")

    async def scenario() -> BootReport:
        with namespace(f"relay-{kind}") as ns:
            await serve(kind, ns, tmp_path)
            network = live_network(ns, tmp_path)
            network.dhcp_server = (ns.address, 67)
            network.giaddr = ns.segment.host_address
            return await boot(network, tmp_path, final_stage="discovery")

    report = asyncio.run(scenario())
    assert isinstance(report.outcome, Success), report.result
    assert decided(report)["registrars"] == [f"{POOL}:5061"]
    [answer] = report.result["DhcpAnswers"]
    assert answer["Used"]
    readings = assert_tshark_agrees(tmp_path / "capture.pcap")
    assert readings[0].vendor_class == "MS-UC-Client"
    inform, reply = headers(tmp_path / "capture.pcap")
    assert inform.src_port == 67  # sent as the relay agent
    assert reply.dst_port == (67 if kind == "dnsmasq" else 68)


def test_unicast_inform_to_a_named_server(tmp_path: Path) -> None:
    require_netns("kea-dhcp4")

    async def scenario() -> tuple[BootReport, Network]:
        with namespace("unicast") as ns:
            await serve("kea", ns, tmp_path)
            network = live_network(ns, tmp_path)
            network.dhcp_server = (ns.address, 67)
            return await boot(network, tmp_path, final_stage="discovery"), network

    report, network = asyncio.run(scenario())
    assert isinstance(report.outcome, Success), report.result
    assert decided(report)["web_url"] == LAB_URL
    inform, _reply = headers(tmp_path / "capture.pcap")
    assert (inform.dst_ip, inform.src_port) == (network.dhcp_server[0], 68)
