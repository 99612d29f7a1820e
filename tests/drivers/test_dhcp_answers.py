"""Every answer the endpoint received, including those after the phone stopped listening."""

from __future__ import annotations

import asyncio
import socket

from phonesim.codec.dhcp_message import build_ack, build_inform, decode_dhcp_message
from phonesim.codec.ms_uc_client_option import encode_ms_uc_client_option
from phonesim.codec.sip_server_option import encode_sip_server_names
from phonesim.core.commands import Trace
from phonesim.drivers.dhcp_endpoint import DhcpClientEndpoint, ReceivedAnswer
from phonesim.report.dhcp_answers import summarize_dhcp_answers

INFORM = build_inform(
    xid=0x11223344,
    mac="00:04:f2:aa:bb:cc",
    ciaddr="127.0.0.1",
    vendor_class="MS-UC-Client",
    parameter_request_list=[43, 120],
)


def ack(server_id: str, *, with_options: bool) -> bytes:
    options = []
    if with_options:
        options = [
            (120, encode_sip_server_names(["pool01.contoso.test"])),
            (43, encode_ms_uc_client_option(web_server_fqdn="web01.contoso.test")),
        ]
    return build_ack(request=decode_dhcp_message(INFORM), server_id=server_id, options=options)


def test_answers_after_forget_are_kept_but_not_handed_over() -> None:
    async def scenario() -> tuple[DhcpClientEndpoint, list[str]]:
        loop = asyncio.get_running_loop()
        server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        server.bind(("127.0.0.1", 0))
        server.setblocking(False)
        endpoint = DhcpClientEndpoint(server.getsockname(), keep_answers=True)
        await endpoint.open()
        handed: list[str] = []
        arrived = asyncio.Event()
        endpoint.listen(0x11223344, lambda payload, source: (handed.append(source), arrived.set()))
        endpoint.send(INFORM)
        _, phone = await loop.sock_recvfrom(server, 2048)
        await loop.sock_sendto(server, ack("192.0.2.1", with_options=True), phone)
        await asyncio.wait_for(arrived.wait(), 5)
        endpoint.forget(0x11223344)
        await loop.sock_sendto(server, ack("192.0.2.2", with_options=False), phone)
        await loop.sock_sendto(server, b"\x02\x01\x06\x00\xde\xad\xbe\xef", phone)  # not ours
        deadline = loop.time() + 5
        while (len(endpoint.answers) < 2 or endpoint.unrouted < 2) and loop.time() < deadline:
            await asyncio.sleep(0.005)
        endpoint.close()
        server.close()
        return endpoint, handed

    endpoint, handed = asyncio.run(scenario())
    assert len(handed) == 1
    assert [a.routed for a in endpoint.answers] == [True, False]
    assert endpoint.first_sent is not None
    assert all(a.at >= endpoint.first_sent for a in endpoint.answers)


def test_summary_marks_the_used_answer_and_what_the_phone_looked_at() -> None:
    first = ReceivedAnswer(10.002, "192.0.2.1:67", ack("192.0.2.1", with_options=True), True)
    late = ReceivedAnswer(10.003, "192.0.2.2:67", ack("192.0.2.2", with_options=False), True)
    traces = [
        Trace(0.0, "dhcp", "answer", {"server": "192.0.2.1", "source": "192.0.2.1:67"}),
        Trace(0.0, "dhcp", "answer_won", {"server": "192.0.2.1"}),
    ]
    used, other = summarize_dhcp_answers([first, late], first_sent=10.0, traces=traces)
    assert used["Used"] and used["SeenByPhone"] and used["AfterInform"] == 0.002
    assert used["SipServers"] == ["pool01.contoso.test"]
    assert used["WebUrl"] == "https://web01.contoso.test:443/CertProv/CertProvisioningService.svc"
    assert used["Problems"] == []
    assert not other["Used"] and not other["SeenByPhone"]
    assert other["Problems"] == ["no option 120", "no option 43"]


def test_summary_reports_a_split_option_and_a_malformed_answer() -> None:
    long_web = ".".join(["w" * 60] * 4) + ".test"
    request = decode_dhcp_message(INFORM)
    split = build_ack(
        request=request,
        server_id="192.0.2.1",
        options=[(43, encode_ms_uc_client_option(web_server_fqdn=long_web))],
    )
    entries = summarize_dhcp_answers(
        [
            ReceivedAnswer(1.0, "192.0.2.1:67", split, True),
            ReceivedAnswer(1.0, "192.0.2.3:67", b"\x02" * 20, True),
        ],
        first_sent=None,
        traces=[],
    )
    assert entries[0]["SplitOptions"] == {"43": 2}
    assert entries[0]["WebUrl"] is not None and long_web in entries[0]["WebUrl"]
    assert entries[1]["MessageType"] is None and "DHCP message" in entries[1]["Problems"][0]


def test_an_answer_without_fqdn_whose_option_43_the_phone_took_is_marked_used() -> None:
    from phonesim.app.boot import boot_in_lab
    from phonesim.lab.scenario import load_scenario
    from phonesim.profiles import load_profile

    report = asyncio.run(
        boot_in_lab(
            scenario=load_scenario("no-option-120"),
            profile=load_profile("polycom-cx600"),
            sign_in_as="5551234",
            pin="13579",
            seed=5,
        )
    )
    (answer,) = report.result["DhcpAnswers"]
    assert not answer["SipServers"]
    assert answer["Used"] is True
