"""The lab's DHCP behaves like Communications Server DHCP (answers INFORM from MS-UC-Client only)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from phonesim.codec.dhcp_message import (
    DHCPACK,
    DHCPINFORM,
    build_ack,
    build_inform,
    decode_dhcp_message,
    decode_dhcp_message_with_scapy,
)
from phonesim.codec.ms_uc_client_option import decode_ms_uc_client_option
from phonesim.drivers.dhcp_endpoint import DhcpClientEndpoint
from phonesim.errors import PhonesimError
from phonesim.lab.dhcp_responder import (
    DhcpResponderConfig,
    LabDhcpResponder,
    LabDhcpServer,
    ScheduledReply,
)
from tests.codec.strategies import damaged_messages, dhcp_messages, inform_like_messages

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
    responder = LabDhcpResponder(
        [LabDhcpServer("127.0.0.1", tuple(CONFIG.options()), from_attempt=2)]
    )
    assert responder.replies(inform(xid=7)) == []
    assert len(responder.replies(inform(xid=7))) == 1  # same transaction, second try
    assert responder.replies(inform(xid=8)) == []  # a new transaction starts over
    assert responder.counts["held_back"] == 2


class ReferenceResponder:
    """The responder's rules spelled out on the slow path: scapy decode, build_ack per reply."""

    def __init__(self, servers: list[LabDhcpServer]) -> None:
        self.servers = servers
        self.counts: Counter[str] = Counter()
        self.attempts: Counter[tuple[str, int]] = Counter()

    def replies(self, data: bytes) -> list[ScheduledReply]:
        try:
            request = decode_dhcp_message_with_scapy(data)
        except PhonesimError:
            self.counts["malformed"] += 1
            return []
        if request.op != 1 or request.message_type != DHCPINFORM:
            self.counts["not_inform"] += 1
            return []
        if request.vendor_class != "MS-UC-Client":
            self.counts["other_vendor_class"] += 1
            return []
        self.attempts[request.chaddr, request.xid] += 1
        replies = []
        for server in self.servers:
            if self.attempts[request.chaddr, request.xid] < server.from_attempt:
                self.counts["held_back"] += 1
                continue
            self.counts["answered"] += 1
            payload = build_ack(request=request, server_id=server.server_id, options=server.options)
            replies.append(ScheduledReply(server.delay, payload, server.server_id))
        return replies


SERVERS = [
    LabDhcpServer("127.0.0.1", tuple(CONFIG.options())),
    LabDhcpServer("127.0.0.2", ((15, b"phonesim.test"), (43, b"x" * 300)), delay=0.01),
    LabDhcpServer("127.0.0.3", ((120, b"\x01\x7f\x00\x00\x01"),), from_attempt=2),
]

# A few datagrams, each sent one or more times in any order (retransmissions).
datagram_sequences = st.lists(
    st.one_of(inform_like_messages, dhcp_messages, damaged_messages), min_size=1, max_size=4
).flatmap(lambda sent: st.lists(st.sampled_from(sent), min_size=1, max_size=8))


@settings(max_examples=200, deadline=None)
@given(datagrams=datagram_sequences)
def test_answers_and_refusals_are_those_of_the_reference(datagrams: list[bytes]) -> None:
    responder = LabDhcpResponder(SERVERS)
    reference = ReferenceResponder(SERVERS)
    for data in datagrams:
        assert responder.replies(data) == reference.replies(data)
    assert responder.counts == reference.counts


@settings(max_examples=100, deadline=None)
@given(datagrams=st.lists(inform_like_messages, min_size=1, max_size=6))
def test_phone_informs_are_answered_as_the_reference_does(datagrams: list[bytes]) -> None:
    responder = LabDhcpResponder(SERVERS)
    reference = ReferenceResponder(SERVERS)
    for data in datagrams + datagrams:
        assert responder.replies(data) == reference.replies(data)
    assert responder.counts == reference.counts


def test_reconfigure_changes_the_next_answers() -> None:
    responder = LabDhcpResponder(CONFIG)
    before = decode_dhcp_message(responder.answer(inform(xid=1)) or b"")
    responder.reconfigure([LabDhcpServer("127.0.0.9", ((15, b"other.test"),))])
    after = decode_dhcp_message(responder.answer(inform(xid=2)) or b"")
    assert before.server_id == "127.0.0.1" and before.sip_server() is not None
    assert after.server_id == "127.0.0.9" and after.sip_server() is None
    assert after.domain_name == "other.test"


def test_over_udp_a_burst_of_phones_each_get_their_own_answers_delayed_ones_last() -> None:
    phones = [(0x5000 + n, f"00:04:f2:00:01:{n:02x}") for n in range(100)]

    async def storm() -> tuple[dict[int, list[str]], Counter[str]]:
        responder = LabDhcpResponder(
            [
                LabDhcpServer("127.0.0.1", tuple(CONFIG.options())),
                LabDhcpServer("127.0.0.2", ((15, b"phonesim.test"),), delay=0.05),
            ]
        )
        await responder.start()
        endpoint = DhcpClientEndpoint(("127.0.0.1", responder.port))
        await endpoint.open()
        answers: dict[int, list[str]] = {xid: [] for xid, _mac in phones}
        all_in = asyncio.get_running_loop().create_future()
        remaining = 2 * len(phones)

        def receive(xid: int, mac: str) -> Callable[[bytes, str], None]:
            def answered(payload: bytes, _source: str) -> None:
                nonlocal remaining
                message = decode_dhcp_message(payload)
                assert (message.xid, message.chaddr) == (xid, mac)
                answers[xid].append(message.server_id or "")
                remaining -= 1
                if remaining == 0:
                    all_in.set_result(None)

            return answered

        try:
            for xid, mac in phones:
                endpoint.listen(xid, receive(xid, mac), mac)
            for xid, mac in phones:
                endpoint.send(
                    build_inform(
                        xid=xid,
                        mac=mac,
                        ciaddr="127.0.0.1",
                        vendor_class="MS-UC-Client",
                        parameter_request_list=[43, 120],
                    )
                )
            await asyncio.wait_for(all_in, 10)
            return answers, responder.counts
        finally:
            endpoint.close()
            await responder.close()

    answers, counts = asyncio.run(storm())
    assert all(got == ["127.0.0.1", "127.0.0.2"] for got in answers.values())
    assert counts == {"answered": 2 * len(phones)}
