"""The lab serving a capture: a customer's DHCP answers, reproduced on loopback for a new phone."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from phonesim.app.boot import boot_phone
from phonesim.app.network import lab_network
from phonesim.cli import main
from phonesim.codec.dhcp_message import build_inform, decode_dhcp_message
from phonesim.lab.capture_responder import CaptureResponder
from phonesim.lab.embedded_lab import EmbeddedLab
from phonesim.profiles import load_profile
from phonesim.replay.capture_skim import read_sessions
from phonesim.replay.lab_exchange import captured_exchange
from tests.replay.captures import capture, pcap_record_offsets

NEW_MAC = "00:08:5d:77:00:01"


def new_inform(vendor_class: str = "MS-UC-Client", xid: int = 0xC0FFEE) -> bytes:
    return build_inform(
        xid=xid,
        mac=NEW_MAC,
        ciaddr="127.0.0.1",
        vendor_class=vendor_class,
        parameter_request_list=[1, 3, 6, 15, 42, 43, 120],
    )


def test_the_captured_answers_come_back_moved_to_the_new_client_with_their_delays() -> None:
    exchange = captured_exchange(capture("two-servers.pcapng"))
    assert [a.server for a in exchange.answers] == ["192.0.2.5", "192.0.2.6"]
    assert [a.delay for a in exchange.answers] == [0.0008, 0.0021]
    replies = CaptureResponder(exchange).replies(new_inform())
    (session,) = read_sessions(capture("two-servers.pcapng"))[0]
    for reply, captured, ack in zip(replies, exchange.answers, session.acks, strict=True):
        decoded = decode_dhcp_message(reply.payload)
        assert reply.delay == captured.delay and reply.server_id == captured.server
        assert (decoded.xid, decoded.chaddr, decoded.ciaddr) == (0xC0FFEE, NEW_MAC, "127.0.0.1")
        assert decoded.options == ack.message.options
        assert decoded.server_id == ack.message.server_id


def test_requests_the_captured_servers_did_not_answer_get_nothing() -> None:
    responder = CaptureResponder(captured_exchange(capture("two-servers.pcapng")))
    assert responder.replies(new_inform("CPE-OCPHONE")) == []
    assert responder.answer(b"\x01" * 20) is None
    first = responder.answer(new_inform())
    assert first is not None and decode_dhcp_message(first).server_id == "192.0.2.5"
    assert responder.counts == {"other_vendor_class": 1, "malformed": 1, "answered": 1}


def test_a_phone_booting_against_the_lab_decides_as_the_customer_s_phone_did(
    tmp_path: Path,
) -> None:
    exchange = captured_exchange(capture("two-servers.pcapng"))

    async def boot() -> object:
        async with EmbeddedLab(dhcp_capture=exchange) as lab:
            return await boot_phone(
                profile=load_profile("polycom-cx600"),
                sign_in_as="5551234",
                pin="13579",
                network=lab_network(lab.endpoints),
                seed=3,
                final_stage="discovery",
            )

    report = asyncio.run(boot())
    events = [(t.stage, t.event, t.fields.get("server")) for t in report.traces]  # type: ignore[attr-defined]
    assert ("dhcp", "answer_without_fqdn", "192.0.2.5") in events
    assert ("dhcp", "answer_won", "192.0.2.6") in events
    assert events.index(("dhcp", "answer_without_fqdn", "192.0.2.5")) < events.index(
        ("dhcp", "answer_won", "192.0.2.6")
    )
    assert report.outcome.web_url == (  # type: ignore[attr-defined]
        "https://web01.contoso.test:443/CertProv/CertProvisioningService.svc"
    )


def test_lab_from_a_broken_or_unanswered_capture_stops_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    not_a_capture = tmp_path / "notes.pcap"
    not_a_capture.write_text("hello")
    leases_only = tmp_path / "leases.pcap"
    data = capture("voice-vlan-8021q.pcap").read_bytes()
    records = pcap_record_offsets(data)
    leases_only.write_bytes(data[: records[8][0]])  # the two DORA exchanges, no INFORM
    for path, what in ((not_a_capture, "not a pcap"), (leases_only, "no answered DHCPINFORM")):
        endpoints = tmp_path / "lab.json"
        code = main(["lab", "--from-capture", str(path), "--endpoints-file", str(endpoints)])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2
        assert len(err) == 1 and str(path) in err[0] and what in err[0]
        assert not endpoints.exists(), "the lab must not start"
