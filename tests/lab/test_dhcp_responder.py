"""The lab's DHCP behaves like Communications Server DHCP (answers INFORM from MS-UC-Client only)."""

from __future__ import annotations

import asyncio

from phonesim.codec.dhcp_message import DHCPACK, build_inform, decode_dhcp_message
from phonesim.codec.ms_uc_client_option import decode_ms_uc_client_option
from phonesim.drivers.dhcp_endpoint import DhcpClientEndpoint
from phonesim.lab.dhcp_responder import DhcpResponderConfig, LabDhcpResponder

CONFIG = DhcpResponderConfig(sip_servers=["pool01.phonesim.test"], web_fqdn="web01.phonesim.test")


def inform(vendor_class: str = "MS-UC-Client", xid: int = 0x1234) -> bytes:
    return build_inform(
        xid=xid,
        mac="00:04:f2:00:00:01",
        ciaddr="127.0.0.1",
        vendor_class=vendor_class,
        parameter_request_list=[1, 3, 6, 15, 42, 43, 120],
    )


def test_inform_from_ms_uc_client_gets_43_120_and_server_id_but_no_lease() -> None:
    reply = LabDhcpResponder(CONFIG).answer(inform())
    assert reply is not None
    ack = decode_dhcp_message(reply)
    assert ack.message_type == DHCPACK and ack.xid == 0x1234
    assert ack.server_id == "127.0.0.1"
    assert ack.sip_server().servers == ("pool01.phonesim.test",)
    assert (
        ack.uc_client_vendor().url
        == "https://web01.phonesim.test:443/CertProv/CertProvisioningService.svc"
    )
    assert ack.lease_time is None and ack.yiaddr == "0.0.0.0"


def test_other_vendor_classes_get_no_answer() -> None:
    responder = LabDhcpResponder(CONFIG)
    assert responder.answer(inform("ms-uc-client")) is None  # the class match is exact
    assert responder.answer(inform("CPE-OCPHONE")) is None
    assert responder.answer(b"\x00" * 10) is None
    assert responder.counts == {"other_vendor_class": 2, "malformed": 1}


def test_long_option_43_is_split_per_rfc_3396_and_joins_back() -> None:
    web = ".".join(c * 60 for c in "abc") + ".phonesim.test"  # option 43 grows past 255 bytes
    reply = LabDhcpResponder(
        DhcpResponderConfig(sip_servers=["a.phonesim.test"], web_fqdn=web)
    ).answer(inform())
    assert reply is not None
    ack = decode_dhcp_message(reply)
    assert ack.options.parts[43] == 2
    assert decode_ms_uc_client_option(ack.options.get(43) or b"").web_server_fqdn == web


def test_over_udp_the_answer_reaches_the_phone_that_asked() -> None:
    async def exchange() -> list[bytes]:
        responder = LabDhcpResponder(CONFIG)
        await responder.start()
        endpoint = DhcpClientEndpoint(("127.0.0.1", responder.port))
        await endpoint.open()
        got: asyncio.Queue[bytes] = asyncio.Queue()
        endpoint.listen(0xBEEF, lambda payload, source: got.put_nowait(payload))
        endpoint.send(inform(xid=0xBEEF))
        endpoint.send(inform(xid=0xCAFE))  # nobody listens for this one
        try:
            first = await asyncio.wait_for(got.get(), 5)
            await asyncio.sleep(0)  # let the second answer arrive and be dropped
            return [first]
        finally:
            endpoint.close()
            await responder.close()

    (payload,) = asyncio.run(exchange())
    assert decode_dhcp_message(payload).xid == 0xBEEF


def test_several_servers_answer_one_inform_each_with_its_own_delay_and_id() -> None:
    from phonesim.lab.dhcp_responder import LabDhcpServer

    responder = LabDhcpResponder(
        [
            LabDhcpServer("127.0.0.2", ((15, b"phonesim.test"),)),
            LabDhcpServer("127.0.0.1", tuple(CONFIG.options()), delay=0.05),
        ]
    )
    first, second = responder.replies(inform())
    assert (first.server_id, first.delay) == ("127.0.0.2", 0.0)
    assert (second.server_id, second.delay) == ("127.0.0.1", 0.05)
    assert decode_dhcp_message(first.payload).sip_server() is None
    assert decode_dhcp_message(second.payload).server_id == "127.0.0.1"


def test_a_server_can_hold_back_until_the_retransmission() -> None:
    from phonesim.lab.dhcp_responder import LabDhcpServer

    responder = LabDhcpResponder(
        [LabDhcpServer("127.0.0.1", tuple(CONFIG.options()), from_attempt=2)]
    )
    assert responder.replies(inform(xid=7)) == []
    assert len(responder.replies(inform(xid=7))) == 1  # same transaction, second try
    assert responder.replies(inform(xid=8)) == []  # a new transaction starts over
    assert responder.counts["held_back"] == 2
