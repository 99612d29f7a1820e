"""Replaying captured sessions through the phone core: who won, who was ignored, what it decided."""

from __future__ import annotations

from pathlib import Path

import pytest

from phonesim.codec.dhcp_message import build_ack, build_inform, decode_dhcp_message
from phonesim.codec.ms_uc_client_option import encode_ms_uc_client_option
from phonesim.codec.sip_server_option import encode_sip_server_names
from phonesim.core.outcome import Failure, Success
from phonesim.errors import PhonesimError
from phonesim.profiles import load_profile
from phonesim.replay.capture_skim import CaptureSkim, read_sessions
from phonesim.replay.session_replayer import (
    AFTER_DECISION,
    IGNORED,
    PLACEHOLDER_DOMAIN,
    USED_WITHOUT_FQDN,
    WON,
    SessionReplay,
    SessionReplayer,
)
from phonesim.replay.sessions import DhcpSession, SessionMessage
from tests.replay.captures import capture

CS_URL = "https://web01.contoso.test:443/CertProv/CertProvisioningService.svc"
PROFILES = Path(__file__).resolve().parents[2] / "profiles"


def replay_all(
    name: str | Path, profile: str = "polycom-cx600", **kwargs: object
) -> list[SessionReplay]:
    """Each session replayed as it comes out of the capture, as `phonesim replay` does."""
    skim = CaptureSkim(capture(name) if isinstance(name, str) else name)
    replayer = SessionReplayer(
        load_profile(profile),
        dns=skim.dns,
        lease_domains=skim.lease_domains,
        **kwargs,  # type: ignore[arg-type]
    )
    return [
        replayer.replay(s, skim.coverage())
        for s in skim.sessions()
        if replayer.replayable(s) is None
    ]


def events(replay: SessionReplay) -> list[str]:
    return [f"{t.stage}.{t.event}" for t in replay.traces]


def profile_with(tmp_path: Path, **dhcp: str) -> str:
    text = (PROFILES / "polycom-cx600.toml").read_text()
    lines = []
    for line in text.splitlines():
        key = line.split("=")[0].strip()
        if key in dhcp:
            line = f"{key} = {dhcp[key]}"
        if key == "name":
            line = 'name = "impatient-phone"'
        lines.append(line)
    path = tmp_path / "impatient.toml"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_the_answer_without_fqdn_is_passed_over_for_the_one_with_fqdn() -> None:
    (replay,) = replay_all("two-servers.pcapng")
    assert isinstance(replay.outcome, Success)
    assert [(a.server, a.verdict) for a in replay.answers] == [
        ("192.0.2.5", IGNORED),
        ("192.0.2.6", WON),
    ]
    assert "192.0.2.6 with an FQDN won" in replay.answers[0].why
    assert replay.answers[1].why == "first DHCP answer carrying an FQDN"
    assert replay.decision == {
        "web_url": CS_URL,
        "web_source": "dhcp option 43",
        "registrars": ["pool01.contoso.test:5061"],
        "registrar_source": "dhcp option 120",
    }
    assert not replay.dns_fallback
    # The core saw both answers (under its own xid) and said so itself.
    assert events(replay).count("dhcp.answer") == 2
    assert "dhcp.answer_without_fqdn" in events(replay)
    assert "dhcp.answer_not_ours" not in events(replay)
    assert [a.t for a in replay.answers] == [0.0008, 0.0021]
    findings = [f.id for f in replay.diagnosis().findings]
    assert "dhcp.first_answer_without_fqdn" in findings


def test_another_profile_decides_differently_on_the_same_capture(tmp_path: Path) -> None:
    impatient = profile_with(tmp_path, answer_window="0.0005")
    (replay,) = replay_all("two-servers.pcapng", profile=impatient)
    assert replay.profile == "impatient-phone"
    verdicts = {a.server: a for a in replay.answers}
    assert verdicts["192.0.2.5"].verdict == USED_WITHOUT_FQDN
    assert verdicts["192.0.2.6"].verdict == AFTER_DECISION
    decision = replay.decision
    assert decision is not None
    assert decision["registrar_source"] == "dns"
    assert decision["registrars"] == ["pool01.contoso.test:5061"]
    assert decision["web_url"] == (
        "https://pool01.contoso.test:443/CertProv/CertProvisioningService.svc"
    )
    assert replay.dns_fallback


def test_dns_questions_are_answered_from_the_capture() -> None:
    (replay,) = replay_all("lab-inform.pcap")
    assert replay.domain == "phonesim.test"
    notes = [t for t in replay.traces if t.stage == "replay"]
    assert [(n.event, n.fields["name"]) for n in notes] == [
        ("dns_from_capture", "_sipinternaltls._tcp.phonesim.test"),
        # The update server lookup (UP-9170aa30) is asked too; this capture did not hold it.
        ("dns_not_captured", "ucupdates-r2.phonesim.test"),
    ]
    srv = next(t for t in replay.traces if (t.stage, t.event) == ("dns", "answer"))
    assert srv.fields["records"] == ["0 0 5061 pool01.phonesim.test"]
    assert isinstance(replay.outcome, Success)


def test_a_session_without_answers_retransmits_then_gives_up_and_tries_dns() -> None:
    replays = replay_all("truncated.pcap")
    assert [isinstance(r.outcome, Success) for r in replays] == [True, True, False]
    lonely = replays[2]
    profile = load_profile("polycom-cx600")
    assert events(lonely).count("dhcp.inform_sent") == len(profile.dhcp.retransmit_after)
    assert "dhcp.gave_up" in events(lonely)
    assert isinstance(lonely.outcome, Failure)
    assert lonely.outcome.reason == "discovery.no_servers"
    unanswered = [t for t in lonely.traces if t.event == "dns_not_captured"]
    asked = [t for t in lonely.traces if (t.stage, t.event) == ("dns", "query")]
    assert len(unanswered) == len(asked) > 0
    assert lonely.domain == PLACEHOLDER_DOMAIN
    assert lonely.answers == []
    # The file is cut where the ACK would be: the capture's gap, not the site's silence,
    # and one finding for it. Names the capture has no DNS answer for are no finding.
    (finding,) = lonely.diagnosis().findings
    assert (finding.id, finding.severity) == ("capture.ends_before_answer", "error")
    assert finding.evidence["captured_xid"] == "0x7c000003"
    assert finding.evidence["file_cut_at_byte"] == 1936


def test_the_domain_comes_from_the_lease_then_srv_lookups_then_the_user() -> None:
    (vlan,) = replay_all("voice-vlan-8021q.pcap")
    assert (vlan.domain, vlan.domain_source) == (
        "contoso.test",
        "option 15 of the client's lease in the capture",
    )
    both = replay_all("two-interfaces.pcapng")
    assert {r.domain for r in both} == {"contoso.test"}
    assert "SRV" in both[0].domain_source
    (given,) = replay_all("qinq.pcap", domain="fabrikam.test")
    assert given.domain == "fabrikam.test"
    assert "_sipinternaltls._tcp.fabrikam.test" in [
        t.fields.get("name") for t in given.traces if t.event == "query"
    ]


def test_a_lease_exchange_is_shown_but_not_replayed() -> None:
    sessions, _ = read_sessions(capture("voice-vlan-8021q.pcap"))
    replayer = SessionReplayer(load_profile("polycom-cx600"))
    assert "DORA" in (replayer.replayable(sessions[0]) or "")
    with pytest.raises(PhonesimError, match="session 1"):
        replayer.replay(sessions[0])


def test_answers_captured_without_their_inform_are_still_replayed() -> None:
    inform = build_inform(
        xid=0x42,
        mac="00:08:5d:00:00:09",
        ciaddr="192.0.2.120",
        vendor_class="MS-UC-Client",
        parameter_request_list=[43, 120],
    )
    ack = build_ack(
        request=decode_dhcp_message(inform),
        server_id="192.0.2.6",
        options=[
            (120, encode_sip_server_names(["pool01.contoso.test"])),
            (43, encode_ms_uc_client_option(web_server_fqdn="web01.contoso.test")),
        ],
    )
    session = DhcpSession(1, 0x42, "00:08:5d:00:00:09")
    session.messages.append(
        SessionMessage(
            time=100.0,
            record=1,
            offset=24,
            interface="",
            vlans=(),
            source="192.0.2.6:67",
            destination="192.0.2.120:68",
            payload=ack,
            message=decode_dhcp_message(ack),
        )
    )
    replay = SessionReplayer(load_profile("aastra-6725ip"), domain="contoso.test").replay(session)
    assert "replay.inform_not_captured" in events(replay)
    assert [a.verdict for a in replay.answers] == [WON]
    assert replay.address == "192.0.2.120"
    assert isinstance(replay.outcome, Success) and replay.outcome.web_url == CS_URL
