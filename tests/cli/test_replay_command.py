"""`phonesim replay` as a user runs it: what it shows, exit codes, JSON lines, live re-send."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from phonesim.cli import main
from phonesim.replay.lab_exchange import captured_exchange
from tests.replay import gap_captures
from tests.replay.captures import capture, pcap_record_offsets
from tests.replay.lab_thread import lab_in_thread

CS_URL = "https://web01.contoso.test:443/CertProv/CertProvisioningService.svc"
PROFILES = Path(__file__).resolve().parents[2] / "profiles"


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Long URLs stay on one line, so the assertions read what a user reads."""
    monkeypatch.setenv("COLUMNS", "240")


def replay(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["replay", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def json_lines(out: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_two_servers_show_who_won_and_why_the_other_was_ignored(capsys) -> None:
    code, out, err = replay(capsys, str(capture("two-servers.pcapng")))
    assert code == 0 and err == ""
    text = " ".join(out.split())
    assert "192.0.2.5 +0.000800s ignored: no FQDN (option 120); the answer from 192.0.2.6" in text
    assert "192.0.2.6 +0.002100s won: first DHCP answer carrying an FQDN" in text
    assert f"web services {CS_URL} (dhcp option 43)" in text
    assert "registrars pool01.contoso.test:5061 (dhcp option 120)" in text
    assert "falls back to DNS: no" in text


def test_json_lines_carry_sessions_options_replay_and_a_summary(capsys) -> None:
    code, out, _ = replay(capsys, str(capture("voice-vlan-8021q.pcap")), "--json")
    assert code == 0
    *sessions, summary = json_lines(out)
    assert [s["session"] for s in sessions] == [1, 2, 3]
    query, lease, inform = sessions
    # One phone's VLAN query, lease and INFORM: one boot, replayed with its last session.
    assert [s["boot"]["part"] for s in sessions] == ["vlan_query", "lease", "inform"]
    assert query["replay"] is None and query["not_replayed"] is None and lease["replay"] is None
    vlan = next(o for o in query["messages"][1]["options"] if o["code"] == 43)
    assert vlan["details"]["vlan_id"] == 100
    assert inform["vlans"] == [[100]]
    assert inform["replay"]["domain"] == "contoso.test"
    assert inform["replay"]["outcome"]["web_url"] == CS_URL
    assert [(a["part"], a["verdict"]) for a in inform["replay"]["answers"]] == [
        ("vlan_query", "taken"),
        ("vlan_query", "acked"),
        ("lease", "taken"),
        ("lease", "acked"),
        ("inform", "won"),
    ]
    assert summary == summary | {"type": "summary", "sessions": 3, "replayed": 1, "failed": 0}


def test_one_session_with_another_profile(capsys, tmp_path: Path) -> None:
    impatient = tmp_path / "impatient.toml"
    impatient.write_text(
        (PROFILES / "aastra-6725ip.toml")
        .read_text()
        .replace("answer_window = 2.0", "answer_window = 0.0005")
        .replace('name = "aastra-6725ip"', 'name = "impatient-6725ip"')
    )
    code, out, _ = replay(
        capsys, str(capture("two-servers.pcapng")), "--profile", str(impatient), "--session", "1"
    )
    text = " ".join(out.split())
    assert code == 0
    assert "Aastra 6725ip (impatient-6725ip)" in text
    assert "192.0.2.5 +0.000800s used without fqdn" in text
    assert "192.0.2.6 +0.002100s after decision" in text
    assert "falls back to DNS: yes" in text


def test_a_session_number_that_does_not_exist_is_one_clear_line(capsys) -> None:
    code, _out, err = replay(capsys, str(capture("voice-vlan-8021q.pcap")), "--session", "9")
    assert code == 2
    assert err.strip().splitlines() == [
        f"phonesim: error: capture {capture('voice-vlan-8021q.pcap')} has 3 DHCP session(s); "
        "there is no session 9"
    ]


def test_a_truncated_capture_shows_its_sessions_then_the_offset(capsys) -> None:
    path = capture("truncated.pcap")
    code, out, err = replay(capsys, str(path), "--json")
    assert code == 2
    lines = json_lines(out)
    assert [line.get("session") for line in lines[:-1]] == [1, 2, 3]
    assert "byte offset 1936" in lines[-1]["error"]
    assert err.strip().splitlines() == [
        f"phonesim: error: capture {path} at byte offset 1936: "
        "the file ends inside record 6 (203 of 403 bytes present)"
    ]


def test_a_phone_whose_discovery_fails_gives_exit_3(capsys, tmp_path: Path) -> None:
    data = capture("truncated.pcap").read_bytes()
    records = pcap_record_offsets(data)
    lonely = tmp_path / "unanswered.pcap"
    lonely.write_bytes(data[: records[5][0]])  # two answered exchanges, then an INFORM alone
    code, out, err = replay(capsys, str(lonely))
    text = " ".join(out.split())
    assert code == 3 and err == ""
    assert "discovery.no_servers" in text
    assert "treated as unanswered" in text


@pytest.mark.parametrize("content", [b"", b"not a capture at all"])
def test_bad_input_is_one_line_and_exit_2(capsys, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.pcap"
    path.write_bytes(content)
    code, _out, err = replay(capsys, str(path))
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and str(path) in err and "Traceback" not in err


@pytest.fixture
def locked_folder() -> Iterator[Path]:
    """A capture inside a folder that cannot be entered (pytest's tmp_path is root's alone)."""
    top = Path(tempfile.mkdtemp(prefix="phonesim-replay-"))
    top.chmod(0o755)
    locked = top / "locked"
    locked.mkdir()
    shutil.copy(capture("lab-inform.pcap"), locked / "site.pcap")
    locked.chmod(0)
    try:
        yield locked
    finally:
        locked.chmod(0o700)
        shutil.rmtree(top)


def unprivileged() -> tuple[str, ...]:
    """Run as `nobody` when root, since root opens any file whatever its mode."""
    if os.geteuid() != 0:
        return ()
    return ("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups")


@pytest.mark.parametrize("extra", [(), ("--json",), ("--resend", "--dhcp-server", "127.0.0.1:9")])
def test_a_capture_inside_a_folder_that_cannot_be_entered_is_one_line(
    locked_folder: Path, extra: tuple[str, ...]
) -> None:
    path = locked_folder / "site.pcap"
    done = subprocess.run(
        [*unprivileged(), sys.executable, "-m", "phonesim", "replay", str(path), *extra],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        f"phonesim: error: capture {path}: permission denied "
        f"(the folder {locked_folder} cannot be entered)"
    ]


def test_a_capture_that_fails_to_read_is_one_line(capsys) -> None:
    # Reading /proc/self/mem at offset 0 fails with EIO: a real read error, not a mock.
    code, _out, err = replay(capsys, "/proc/self/mem")
    assert code == 2
    assert err.splitlines() == [
        "phonesim: error: capture /proc/self/mem: cannot be read: Input/output error"
    ]


# ------------------------------------------- what the capture lacks, and no None


@pytest.fixture(scope="module")
def gaps(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("gaps")
    gap_captures.span_without_replies(folder)
    gap_captures.replies_filtered_out(folder)
    gap_captures.late_answers_elsewhere(folder)
    gap_captures.site_did_not_answer(folder)
    gap_captures.stopped_after_inform(folder)
    return folder


def sessions_text(out: str) -> dict[int, str]:
    """Each session's part of the terminal output, by session number."""
    parts = re.split(r"^Session (\d+) · ", out, flags=re.MULTILINE)
    return {int(number): text for number, text in zip(parts[1::2], parts[2::2], strict=True)}


def panels(text: str) -> list[str]:
    """The findings shown, as "SEVERITY title" in the order shown: the severity in the
    panel's frame, the title on the body's first line."""
    found = re.findall(r"^╭─ \d+\. (\w+) ─+╮\n│ (.*?) *│$", text, flags=re.MULTILINE)
    return [f"{severity} {title}" for severity, title in found]


def findings_of(session_text: str) -> str:
    return " ".join(session_text.split("  Findings", 1)[1].split())


def replay_findings(line: dict) -> list[dict]:  # type: ignore[type-arg]
    return list(line["replay"]["findings"])


VIRTUAL_PHONE = ("informs_sent", "gave_up_after_seconds", "over 61 s", "cpsw3g.log")
"""What the replayed phone, not the capture, would say: never evidence in a replay."""


def test_a_capture_without_server_replies_blames_the_capture(capsys, gaps: Path) -> None:
    path = gaps / "span-without-replies.pcap"
    code, out, err = replay(capsys, str(path))
    assert code == 3 and err == ""
    shown = sessions_text(out)
    title = "The capture holds no server→client DHCP traffic; answers may not have been captured"
    for number in (1, 2):
        assert panels(shown[number]) == [f"ERROR {title}"], number
    first = findings_of(shown[1])
    assert (
        "The phone's 4 DHCPINFORMs (xid 0x5a000001, frames 1, 2, 3, 4) are in the capture, "
        "but no DHCP message from any server is" in first
    )
    assert "inform_offsets [24, 382, 740, 1098]" in first
    assert "dhcp_messages_from_servers 0" in first and "capture_read_to_end true" in first
    assert "DHCPINFORM (xid 0x5a000002, frame 5) is in the capture" in findings_of(shown[2])
    for said in VIRTUAL_PHONE:
        assert said not in out
    assert "0 from servers" in out

    code, out, _ = replay(capsys, str(path), "--json")
    *sessions, summary = json_lines(out)
    assert code == 3 and summary["dhcp_server_messages"] == 0
    phone_xid = sessions[0]["replay"]["phone_xid"]
    assert phone_xid not in first  # the virtual phone's own xid is no evidence
    (finding,) = replay_findings(sessions[0])
    assert (finding["Id"], finding["Severity"]) == ("capture.no_server_traffic", "error")
    assert finding["Evidence"] == {
        "captured_xid": "0x5a000001",
        "client_mac": "00:04:f2:5a:10:01",
        "inform_frames": [1, 2, 3, 4],
        "inform_offsets": [24, 382, 740, 1098],
        "dhcp_messages_from_servers": 0,
        "frames_read": 6,
        "capture_read_to_end": True,
    }
    assert [f["Id"] for f in replay_findings(sessions[1])] == ["capture.no_server_traffic"]


def test_the_review_s_tshark_cut_without_the_ack_blames_the_capture(capsys, tmp_path: Path) -> None:
    path = gap_captures.tshark_informs_only(tmp_path)
    if path is None:
        pytest.skip("tshark is not installed")
    code, out, _ = replay(capsys, str(path))
    assert code == 3
    text = findings_of(sessions_text(out)[1])
    assert panels(out) == [
        "ERROR The capture holds no server→client DHCP traffic; answers may not have been captured"
    ]
    assert "DHCPINFORM (xid 0x2b0c0001, frame 1) is in the capture" in text
    assert f"the file ends at byte {path.stat().st_size}" in text
    code, out, _ = replay(capsys, str(path), "--json")
    session, _summary = json_lines(out)
    assert [f["Id"] for f in replay_findings(session)] == ["capture.no_server_traffic"]


def test_a_file_cut_before_the_ack_names_the_last_frame_and_the_byte(capsys) -> None:
    code, out, _ = replay(capsys, str(capture("truncated.pcap")))
    assert code == 2  # the damage is still reported, after the sessions
    shown = sessions_text(out)
    assert panels(shown[1]) == panels(shown[2]) == []
    assert panels(shown[3]) == [
        "ERROR No answer in the capture after frame 5; the file breaks off at byte 1936"
    ]
    text = findings_of(shown[3])
    assert "The phone's DHCPINFORM (xid 0x7c000003, frame 5) is followed by only 0.0 s" in text
    assert "the file ends inside record 6 (203 of 403 bytes present)" in text
    for said in VIRTUAL_PHONE:
        assert said not in out
    code, out, _ = replay(capsys, str(capture("truncated.pcap")), "--json")
    *_, third, _summary = json_lines(out)
    (finding,) = replay_findings(third)
    assert finding["Id"] == "capture.ends_before_answer"
    assert finding["Evidence"] == finding["Evidence"] | {
        "captured_xid": "0x7c000003",
        "inform_frames": [5],
        "inform_offsets": [1578],
        "last_frame_of_session": 5,
        "file_cut_at_byte": 1936,
        "capture_error": "the file ends inside record 6 (203 of 403 bytes present)",
    }


def test_a_file_stopped_before_the_ack_says_where_it_ends(capsys, gaps: Path) -> None:
    path = gaps / "stopped-after-inform.pcap"
    code, out, _ = replay(capsys, str(path), "--session", "3")
    assert code == 3
    assert panels(out) == [
        f"ERROR No answer in the capture after frame 5; the file ends at byte {path.stat().st_size}"
    ]
    code, out, _ = replay(capsys, str(path), "--session", "3", "--json")
    session, _summary = json_lines(out)
    (finding,) = replay_findings(session)
    assert finding["Evidence"]["file_ends_at_byte"] == path.stat().st_size == 1936


def test_what_was_read_so_far_is_all_a_streamed_session_claims(capsys, gaps: Path) -> None:
    code, out, _ = replay(capsys, str(gaps / "late-answers-elsewhere.pcap"), "--json")
    first, second, summary = json_lines(out)
    (finding,) = replay_findings(first)
    assert finding["Title"] == (
        "The capture holds no server→client DHCP traffic in its first 5 frames; "
        "answers may not have been captured"
    )
    assert finding["Evidence"]["capture_read_to_end"] is False
    assert second["replay"]["outcome"]["result"] == "decided"
    assert summary["dhcp_server_messages"] == 1 and code == 3


def test_dns_covering_for_missing_dhcp_replies_is_a_warning(capsys, gaps: Path) -> None:
    code, out, _ = replay(capsys, str(gaps / "replies-filtered-out.pcap"))
    assert code == 0
    assert panels(out) == [
        "WARNING The capture holds no server→client DHCP traffic; "
        "answers may not have been captured"
    ]
    assert "registrars pool01.contoso.test:5061 (dns)" in out


def test_a_site_that_did_not_answer_is_one_finding_with_the_capture_s_evidence(
    capsys, gaps: Path
) -> None:
    code, out, _ = replay(capsys, str(gaps / "site-did-not-answer.pcap"))
    assert code == 3
    shown = sessions_text(out)
    # One root cause, one finding: no generic "Sign-in stopped" beside it.
    assert panels(shown[2]) == ["ERROR No DHCP server answered the DHCPINFORM"]
    text = findings_of(shown[2])
    assert (
        "The phone's 4 DHCPINFORMs (xid 0x5a000032, frames 3, 4, 5, 6) are in the capture" in text
    )
    assert "the capture goes on 100 s after the first and holds no answer to it" in text
    for said in VIRTUAL_PHONE:
        assert said not in out
    code, out, _ = replay(capsys, str(gaps / "site-did-not-answer.pcap"), "--json")
    _first, second, _third, _summary = json_lines(out)
    (finding,) = replay_findings(second)
    assert finding["Id"] == "dhcp.no_answer" and finding["Severity"] == "error"
    assert finding["Evidence"] == {
        "captured_xid": "0x5a000032",
        "client_mac": gap_captures.PHONE_B,
        "inform_frames": [3, 4, 5, 6],
        "inform_offsets": [801, 1159, 1517, 1875],
        "seconds_captured_after_inform": 100.0,
        "dhcp_messages_from_servers": 1,
    }


def test_the_decision_says_what_is_not_found_and_why(capsys) -> None:
    path = str(capture("truncated.pcap"))
    _code, out, _ = replay(capsys, path, "--session", "3")
    text = " ".join(out.split())
    assert (
        "web services not found: the capture holds no DHCP answer to this DHCPINFORM, and no "
        "registrar was found to derive them from" in text
    )
    assert (
        "registrars not found: the capture holds no DHCP answer to this DHCPINFORM, and the "
        "phone's DNS domain is not in the capture; give it with --domain" in text
    )
    assert "discovery web services not found; registrars not found" in text
    _code, out, _ = replay(capsys, path, "--session", "3", "--domain", "contoso.test")
    text = " ".join(out.split())
    missing = (
        "the capture holds no DNS answer for _sipinternaltls._tcp.contoso.test, "
        "_sipinternal._tcp.contoso.test, _sip._tls.contoso.test, sipinternal.contoso.test, "
        "sip.contoso.test, sipexternal.contoso.test"
    )
    assert f"DNS registrar lookup: none found ({missing})" in text
    assert (
        f"registrars not found: the capture holds no DHCP answer to this DHCPINFORM, and {missing}"
        in text
    )


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


EVERY_CAPTURE = [
    *(p.name for p in sorted(capture("lab-inform.pcap").parent.iterdir()) if "pcap" in p.suffix),
    "gaps/span-without-replies.pcap",
    "gaps/replies-filtered-out.pcap",
    "gaps/late-answers-elsewhere.pcap",
    "gaps/site-did-not-answer.pcap",
    "gaps/stopped-after-inform.pcap",
]


@pytest.mark.parametrize("name", EVERY_CAPTURE)
@pytest.mark.parametrize("profile", ["polycom-cx600", "aastra-6725ip"])
def test_no_python_none_in_any_replay_output(capsys, gaps: Path, name: str, profile: str) -> None:
    path = gaps / name.split("/", 1)[1] if name.startswith("gaps/") else capture(name)
    _code, out, err = replay(capsys, str(path), "--profile", profile)
    assert not re.search(r"\bNone\b", out + err), [
        line for line in out.splitlines() if re.search(r"\bNone\b", line)
    ]
    _code, out, _ = replay(capsys, str(path), "--profile", profile, "--json")
    said = [s for line in json_lines(out) for s in _strings(line)]
    assert not [s for s in said if re.search(r"\bNone\b", s)]


def test_the_timeline_says_what_the_phone_would_cache_not_that_it_did(capsys) -> None:
    _code, out, _ = replay(capsys, str(capture("two-servers.pcapng")))
    text = " ".join(out.split())
    assert (
        f"discovery the phone would now cache (dhcp): {CS_URL}, registrars "
        "pool01.contoso.test:5061; not kept (a replay stores nothing)"
    ) in text
    assert "cache now holds" not in text


# -------------------------------------------------------------- pipes

EXIT_BROKEN_PIPE = 141


def replay_into(stdout: int, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "phonesim", "replay", *argv],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "100"},
    )


@pytest.mark.parametrize(
    "argv",
    [
        ("two-servers.pcapng",),  # decides: exit 0 otherwise
        ("truncated.pcap",),  # damaged: exit 2 otherwise
        ("truncated.pcap", "--json"),
        ("two-servers.pcapng", "--json"),
        ("lab-inform.pcap", "--resend", "--dhcp-server", "127.0.0.1:9"),
    ],
)
def test_a_reader_gone_before_the_first_line_ends_with_the_broken_pipe_code(
    argv: tuple[str, ...],
) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will read: the first write fails with EPIPE
    try:
        done = replay_into(write_end, str(capture(argv[0])), *argv[1:])
    finally:
        os.close(write_end)
    assert done.returncode == EXIT_BROKEN_PIPE
    assert done.stderr == ""


@pytest.mark.parametrize(("name", "otherwise"), [("two-servers.pcapng", 0), ("truncated.pcap", 2)])
def test_head_1_never_turns_into_exit_1(name: str, otherwise: int) -> None:
    """`phonesim replay ... | head -1`: exit 1 would read as "the live answer differs"."""
    head = subprocess.Popen(["head", "-1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert head.stdin is not None and head.stdout is not None
    try:
        done = replay_into(head.stdin.fileno(), str(capture(name)))
    finally:
        head.stdin.close()
        first = head.stdout.read().decode()
        head.stdout.close()
        head.wait(timeout=10)
    assert first.startswith("phonesim replay ") and first.count("\n") == 1
    # Whether head exits before phonesim's last write is a race; either way the code is true.
    assert done.returncode in (EXIT_BROKEN_PIPE, otherwise)
    assert "Traceback" not in done.stderr


# -------------------------------------------------------------- live re-send


def test_resend_to_the_lab_matches_in_meaning_despite_another_layout(capsys) -> None:
    with lab_in_thread() as (_lab, endpoints):
        server = f"127.0.0.1:{endpoints.dhcp_port}"
        code, out, _ = replay(
            capsys, str(capture("lab-dnsmasq-layout.pcap")), "--resend", "--dhcp-server", server
        )
        assert code == 0
        text = " ".join(out.split())
        assert "same meaning" in text
        assert "the live answer means the same as the captured one" in text
        code, out, _ = replay(
            capsys,
            str(capture("lab-inform.pcap")),
            "--resend",
            "--dhcp-server",
            server,
            "--xid",
            "keep",
            "--mac",
            "00:08:5d:00:00:07",
            "--json",
        )
    result, summary = json_lines(out)
    assert code == 0 and result["matches"]
    assert result["type"] == "resend" and result["session"] == 1
    assert result["xid"] == result["captured_xid"] == "0x9f767c45"
    assert result["mac"] == "00:08:5d:00:00:07"
    assert summary == {
        "type": "summary",
        "capture": str(capture("lab-inform.pcap")),
        "format": "pcap",
        "session": 1,
        "captured_answers": 1,
        "live_answers": 1,
        "answered": True,
        "matches": True,
        "result": "same meaning",
    }
    statuses = {o["code"]: o["status"] for o in result["pairs"][0]["options"]}
    assert statuses == {53: "same", 54: "same", 120: "same", 43: "same"}


def test_resend_to_a_server_that_answers_differently_exits_1(capsys) -> None:
    with lab_in_thread() as (_lab, endpoints):
        code, out, _ = replay(
            capsys,
            str(capture("two-servers.pcapng")),
            "--resend",
            "--dhcp-server",
            f"127.0.0.1:{endpoints.dhcp_port}",
            "--json",
        )
    result, summary = json_lines(out)
    assert code == 1 and not result["matches"]
    assert (result["type"], summary["type"], summary["result"]) == ("resend", "summary", "differs")
    assert (summary["captured_answers"], summary["live_answers"]) == (2, 1)
    (pair,) = result["pairs"]
    assert pair["captured_server"] == "192.0.2.6" and pair["live_server"] == "127.0.0.1"
    statuses = {o["code"]: o["status"] for o in pair["options"]}
    assert statuses[120] == "differs" and statuses[43] == "differs"
    assert result["no_live_answer_from"] == ["192.0.2.5"]


def test_resend_to_the_lab_serving_the_same_capture_matches_both_servers(capsys) -> None:
    exchange = captured_exchange(capture("two-servers.pcapng"))
    with lab_in_thread(dhcp_capture=exchange) as (_lab, endpoints):
        code, out, _ = replay(
            capsys,
            str(capture("two-servers.pcapng")),
            "--resend",
            "--dhcp-server",
            f"127.0.0.1:{endpoints.dhcp_port}",
            "--mac",
            "fresh",
            "--json",
        )
    result, summary = json_lines(out)
    assert code == 0 and result["matches"] and summary["result"] == "same meaning"
    assert [p["live_server"] for p in result["pairs"]] == ["192.0.2.5", "192.0.2.6"]
    assert result["mac"].startswith("00:04:f2:") and result["mac"] != "00:04:f2:5a:10:01"


def test_resend_with_no_server_listening_exits_3(capsys) -> None:
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    code, out, _ = replay(
        capsys,
        str(capture("lab-inform.pcap")),
        "--resend",
        "--dhcp-server",
        f"127.0.0.1:{port}",
        "--wait",
        "0.3",
    )
    assert code == 3
    assert "no live answer" in out
    code, out, _ = replay(
        capsys,
        str(capture("lab-inform.pcap")),
        "--resend",
        "--dhcp-server",
        f"127.0.0.1:{port}",
        "--wait",
        "0.3",
        "--json",
    )
    result, summary = json_lines(out)
    assert code == 3 and (result["type"], result["answered"], result["pairs"]) == (
        "resend",
        False,
        [],
    )
    assert summary["type"] == "summary" and summary["result"] == "no live answer"


def test_resend_from_a_chosen_local_port_and_a_port_in_use_is_one_line(capsys) -> None:
    busy = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    busy.bind(("127.0.0.1", 0))
    port = busy.getsockname()[1]
    try:
        with lab_in_thread() as (_lab, endpoints):
            server = f"127.0.0.1:{endpoints.dhcp_port}"
            args = [str(capture("lab-inform.pcap")), "--resend", "--dhcp-server", server]
            code, _out, err = replay(capsys, *args, "--bind", f"127.0.0.1:{port}")
            assert code == 2
            assert err.startswith(f"phonesim: error: cannot open a UDP socket on 127.0.0.1:{port}")
            assert len(err.strip().splitlines()) == 1
            busy.close()
            code, out, _ = replay(capsys, *args, "--bind", f"127.0.0.1:{port}", "--json")
    finally:
        busy.close()
    result, _summary = json_lines(out)
    assert code == 0 and result["matches"] and result["sent_from"] == f"127.0.0.1:{port}"


def test_resend_needs_a_server_and_an_inform(capsys) -> None:
    code, _out, err = replay(capsys, str(capture("lab-inform.pcap")), "--resend")
    assert code == 2 and "--dhcp-server" in err
    code, _out, err = replay(
        capsys,
        str(capture("voice-vlan-8021q.pcap")),
        "--resend",
        "--session",
        "1",
        "--dhcp-server",
        "127.0.0.1:9",
    )
    assert code == 2 and "session 1 has no captured DHCPINFORM" in err
