"""`phonesim replay` as a user runs it: what it shows, exit codes, JSON lines, live re-send."""

from __future__ import annotations

import json
import os
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
    query, _lease, inform = sessions
    assert query["vlan_query"] and query["replay"] is None and "DORA" in query["not_replayed"]
    vlan = next(o for o in query["messages"][1]["options"] if o["code"] == 43)
    assert vlan["details"]["vlan_id"] == 100
    assert inform["vlans"] == [[100]]
    assert inform["replay"]["domain"] == "contoso.test"
    assert inform["replay"]["outcome"]["web_url"] == CS_URL
    assert [a["verdict"] for a in inform["replay"]["answers"]] == ["won"]
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
