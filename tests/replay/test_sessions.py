"""DHCP exchanges grouped from the example captures, whatever link layer carried them."""

from __future__ import annotations

from phonesim.codec.dhcp_message import build_ack, build_inform, decode_dhcp_message
from phonesim.codec.ms_uc_client_option import encode_ms_uc_client_option
from phonesim.replay.capture_skim import read_sessions
from phonesim.replay.option_forensics import read_message_options
from phonesim.replay.sessions import (
    KIND_DORA,
    KIND_INFORM,
    DhcpSession,
    SessionAssembler,
    SessionMessage,
)
from tests.replay.captures import capture, pcap_record_offsets

CS_URL = "https://web01.contoso.test:443/CertProv/CertProvisioningService.svc"


def only_session(name: str) -> DhcpSession:
    sessions, skim = read_sessions(capture(name))
    assert skim.error is None
    assert len(sessions) == 1, [s.number for s in sessions]
    return sessions[0]


def decided_view(session: DhcpSession) -> tuple[object, ...]:
    """What a session says, independent of the link layer that carried it."""
    ack = session.acks[0].message
    return (
        session.kind,
        session.client_mac,
        session.client_address,
        session.vendor_class,
        session.servers,
        ack.sip_server(),
        ack.uc_client_vendor(),
        [m.type_name for m in session.messages],
    )


def test_every_link_type_gives_the_same_session() -> None:
    views = {
        name: decided_view(only_session(name))
        for name in (
            "qinq.pcap",
            "linux-cooked-sll.pcap",
            "linux-cooked-sll2.pcap",
            "raw-ip.pcap",
        )
    }
    for name, view in views.items():
        assert view[0] == KIND_INFORM, name
        assert view[4] == ["192.0.2.6"], name
        assert view[6].url == CS_URL, name  # type: ignore[attr-defined]
    assert len(set(map(repr, views.values()))) == 1


def test_qinq_tags_are_kept_outermost_first() -> None:
    session = only_session("qinq.pcap")
    assert session.vlans == [(200, 100)]


def test_two_answering_servers_are_both_in_the_session_in_arrival_order() -> None:
    session = only_session("two-servers.pcapng")
    assert session.kind == KIND_INFORM
    assert session.servers == ["192.0.2.5", "192.0.2.6"]
    first, second = session.acks
    assert first.message.sip_server() is None and first.message.uc_client_vendor() is None
    assert second.message.uc_client_vendor().url == CS_URL  # type: ignore[union-attr]
    assert round(second.time - first.time, 4) == 0.0013
    assert session.domain == "contoso.test"


def test_the_vlan_query_the_lease_and_the_inform_are_three_sessions() -> None:
    sessions, skim = read_sessions(capture("voice-vlan-8021q.pcap"))
    query, lease, inform = sessions
    assert query.kind == KIND_DORA and query.is_vlan_query and query.vlans == []
    readings = read_message_options(query.acks[0].message, query.vendor_class)
    vlan = next(r for r in readings if r.code == 43)
    assert vlan.details["vlan_id"] == 100
    assert lease.kind == KIND_DORA and not lease.is_vlan_query and lease.vlans == [(100,)]
    assert inform.kind == KIND_INFORM and inform.vlans == [(100,)]
    assert skim.lease_domains == {"00:04:f2:5a:10:01": "contoso.test"}


def test_the_same_frames_on_two_interfaces_are_one_message_seen_twice() -> None:
    sessions, skim = read_sessions(capture("two-interfaces.pcapng"))
    both, eth0_only = sessions
    assert [m.copies for m in both.messages] == [2, 2]
    assert both.interfaces == ["eth0", "any"]
    assert eth0_only.interfaces == ["eth0"] and eth0_only.client_mac == "00:04:f2:5a:10:02"
    answer = skim.dns.lookup("_sipinternaltls._tcp.contoso.test", "SRV", near=both.first_time)
    assert answer is not None and answer.records[0].target == "pool01.contoso.test"
    assert answer.latency is not None and abs(answer.latency - 0.0012) < 1e-5


def test_a_split_option_43_and_an_overloaded_option_120_are_joined() -> None:
    sessions, _ = read_sessions(capture("split-option-43.pcap"))
    split, overloaded = sessions
    ack = split.acks[0].message
    assert ack.options.parts[43] == 2
    fqdn = ack.uc_client_vendor().web_server_fqdn  # type: ignore[union-attr]
    assert fqdn is not None and len(fqdn) > 190 and fqdn.endswith(".contoso.test")
    reading = next(r for r in read_message_options(ack, split.vendor_class) if r.code == 43)
    assert any("2 parts (RFC 3396)" in f.text for f in reading.findings)
    moved = overloaded.acks[0].message
    assert moved.options.overload == 1
    assert moved.sip_server().servers == ("pool01.contoso.test",)  # type: ignore[union-attr]


def test_a_truncated_capture_reports_its_sessions_then_the_offset_it_broke_at() -> None:
    path = capture("truncated.pcap")
    sessions, skim = read_sessions(path)
    assert [s.number for s in sessions] == [1, 2, 3]
    assert [len(s.acks) for s in sessions] == [1, 1, 0]
    records = pcap_record_offsets(path.read_bytes())
    last_whole_end = max(o + n for o, n in records if o + n <= path.stat().st_size)
    assert skim.error is not None
    assert skim.error.offset == last_whole_end
    assert str(path) in str(skim.error) and "record 6" in str(skim.error)


# ------------------------------------------------------------------ streaming


def message(
    xid: int, at: float, *, answer: bool = False, mac: str = "00:04:f2:00:00:01"
) -> SessionMessage:
    inform = build_inform(
        xid=xid,
        mac=mac,
        ciaddr="192.0.2.100",
        vendor_class="MS-UC-Client",
        parameter_request_list=[43, 120],
    )
    payload = (
        build_ack(
            request=decode_dhcp_message(inform),
            server_id="192.0.2.6",
            options=[(43, encode_ms_uc_client_option(web_server_fqdn="web01.contoso.test"))],
        )
        if answer
        else inform
    )
    return SessionMessage(
        time=at,
        record=int(at * 10),
        offset=0,
        interface="",
        vlans=(),
        source="192.0.2.6:67" if answer else "192.0.2.100:68",
        destination="",
        payload=payload,
        message=decode_dhcp_message(payload),
    )


def test_sessions_come_out_once_quiet_and_in_the_order_they_began() -> None:
    assembler = SessionAssembler(idle=10.0, max_age=100.0)
    out: list[int] = []
    out += [s.number for s in assembler.add(message(1, 0.0))]
    out += [s.number for s in assembler.add(message(2, 1.0))]
    out += [s.number for s in assembler.add(message(2, 1.01, answer=True))]
    # Session 1 keeps retransmitting; session 2 went quiet first but must wait its turn.
    for at in (5.0, 9.0, 13.0):
        out += [s.number for s in assembler.add(message(1, at))]
    assert out == []
    out += [s.number for s in assembler.add(message(3, 40.0))]
    assert out == [1, 2]
    assert assembler.open_sessions == 1
    out += [s.number for s in assembler.finish()]
    assert out == [1, 2, 3]


def test_a_session_that_never_ends_is_closed_by_age_and_capped_in_size() -> None:
    assembler = SessionAssembler(idle=10.0, max_age=60.0, max_messages=5)
    done: list[DhcpSession] = []
    for step in range(100):
        done += assembler.add(message(7, step * 2.0))
    assert done, "a client retransmitting forever still yields its session"
    first = done[0]
    assert len(first.messages) == 5 and first.dropped > 0
    assert first.last_time - first.first_time <= 60.0
