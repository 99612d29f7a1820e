"""Where the PIN comes from: --pin-file, $PHONESIM_PIN, a prompt without echo, or --pin;
which one wins; and that the private ones stay out of the process table."""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import time
from pathlib import Path

import pytest

from phonesim.cli import main
from phonesim.cli.pin_source import PIN_VARIABLE

RIGHT, WRONG = "13579", "97531"  # alice's PIN in the lab's users file, and another


@pytest.fixture(autouse=True)
def no_pin_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PIN_VARIABLE, raising=False)


def boot_argv(tmp_path: Path, *extra: str) -> list[str]:
    return [
        "boot",
        "--lab",
        "--ext",
        "5551234",
        "--state-dir",
        str(tmp_path / "state"),
        "--runs-dir",
        str(tmp_path / "runs"),
        "--stop-after",
        "webticket",
        "--json",
        *extra,
    ]


def boot(capsys: pytest.CaptureFixture[str], tmp_path: Path, *extra: str) -> tuple[int, str]:
    code = main(boot_argv(tmp_path, *extra))
    out, err = capsys.readouterr()
    if code in (0, 5):
        assert json.loads(out)["ExitCode"] == code
    return code, err


def pin_file(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "pin"
    path.write_text(text)
    path.chmod(mode)
    return path


def test_a_pin_file_signs_in_without_a_word(capsys, tmp_path: Path) -> None:
    code, err = boot(capsys, tmp_path, "--pin-file", str(pin_file(tmp_path, RIGHT + "\n")))
    assert code == 0
    assert err == ""


def test_only_the_first_line_counts_and_its_line_ending_goes(capsys, tmp_path: Path) -> None:
    path = pin_file(tmp_path, RIGHT + "\r\nanother line\n")
    assert boot(capsys, tmp_path, "--pin-file", str(path))[0] == 0


def test_a_pin_file_others_can_read_draws_a_warning(capsys, tmp_path: Path) -> None:
    path = pin_file(tmp_path, RIGHT + "\n", mode=0o644)
    code, err = boot(capsys, tmp_path, "--pin-file", str(path))
    assert code == 0
    assert (
        err
        == f"phonesim: warning: --pin-file {path} can be read by other users (chmod 600 {path})\n"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("\n13579\n", "the first line is empty"),
        ("12ab\n", "must be 4 to 24 digits"),
    ],
)
def test_a_pin_file_without_a_pin_is_refused(capsys, tmp_path: Path, text, message) -> None:
    path = pin_file(tmp_path, text)
    code, err = boot(capsys, tmp_path, "--pin-file", str(path))
    assert code == 2
    [line] = err.splitlines()
    assert str(path) in line and message in line
    assert "12ab" not in line


def test_a_missing_pin_file(capsys, tmp_path: Path) -> None:
    code, err = boot(capsys, tmp_path, "--pin-file", str(tmp_path / "nope"))
    assert code == 2
    assert (
        err
        == f"phonesim: error: --pin-file {tmp_path / 'nope'}: cannot read it (No such file or directory)\n"
    )


def test_the_environment_signs_in(capsys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(PIN_VARIABLE, RIGHT)
    assert boot(capsys, tmp_path) == (0, "")


def test_diagnose_takes_the_pin_the_same_ways(capsys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(PIN_VARIABLE, RIGHT)
    argv = ["diagnose", "--lab", "--ext", "5551234", "--json"]
    outputs = ["--state-dir", str(tmp_path / "state"), "--runs-dir", str(tmp_path / "runs")]
    assert main([*argv, *outputs]) == 0
    assert json.loads(capsys.readouterr().out)["Result"] == "Success"
    path = pin_file(tmp_path, WRONG + "\n")
    assert main([*argv, *outputs, "--pin-file", str(path)]) == 5
    findings = json.loads(capsys.readouterr().out)["Findings"]
    assert findings[0]["Id"] == "webticket.pin_rejected"


def test_the_command_line_wins_over_the_environment(capsys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(PIN_VARIABLE, RIGHT)
    assert boot(capsys, tmp_path, "--pin", WRONG)[0] == 5
    assert boot(capsys, tmp_path, "--pin-file", str(pin_file(tmp_path, WRONG)))[0] == 5


def test_the_environment_wins_over_the_prompt(capsys, tmp_path: Path, monkeypatch) -> None:
    class Terminal:
        def isatty(self) -> bool:
            return True

    def never(prompt: str) -> str:
        raise AssertionError("asked for a PIN already given")

    monkeypatch.setattr(sys, "stdin", Terminal())
    monkeypatch.setattr("phonesim.cli.pin_source._ask_without_echo", never)
    monkeypatch.setenv(PIN_VARIABLE, RIGHT)
    assert boot(capsys, tmp_path)[0] == 0


def test_pin_and_pin_file_together_are_refused(capsys, tmp_path: Path) -> None:
    code, err = boot(capsys, tmp_path, "--pin", RIGHT, "--pin-file", str(pin_file(tmp_path, RIGHT)))
    assert code == 2
    assert err == "phonesim: error: choose one of --pin and --pin-file\n"


def test_without_a_pin_or_a_terminal_the_sources_are_named(capsys, tmp_path: Path) -> None:
    code, err = boot(capsys, tmp_path)
    assert code == 2
    assert err == (
        "phonesim: error: say the user's PIN: --pin-file FILE, $PHONESIM_PIN or --pin DIGITS\n"
    )


def read_until(fd: int, wanted: bytes, timeout: float) -> bytes:
    """What the terminal shows until `wanted` (or its end), waiting at most `timeout` s."""
    seen = b""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while wanted not in seen:
            if not selector.select(timeout=timeout):
                raise AssertionError(f"waited {timeout} s for {wanted!r}; saw {seen!r}")
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the other end closed (EIO)
                break
            if not chunk:
                break
            seen += chunk
    return seen


def test_on_a_terminal_the_pin_is_asked_for_without_echo(tmp_path: Path) -> None:
    terminal, phone_side = os.openpty()
    boot = subprocess.Popen(
        [sys.executable, "-m", "phonesim", *boot_argv(tmp_path)],
        stdin=phone_side,
        stdout=phone_side,
        stderr=phone_side,
        start_new_session=True,  # no controlling terminal but this one
        env={k: v for k, v in os.environ.items() if k != PIN_VARIABLE},
    )
    os.close(phone_side)
    try:
        shown = read_until(terminal, b"PIN for 5551234: ", timeout=60)
        os.write(terminal, RIGHT.encode() + b"\n")
        shown += read_until(terminal, b"\x00never", timeout=60)
        assert boot.wait(timeout=60) == 0
    finally:
        if boot.poll() is None:
            boot.kill()
            boot.wait()
        os.close(terminal)
    assert b'"Result": "Success"' in shown
    assert RIGHT.encode() not in shown, "the PIN was echoed"


def arguments_shown(pid: int) -> list[bytes]:
    """What `ps` shows for the process: its argv, once the exec has finished replacing it."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        shown = Path(f"/proc/{pid}/cmdline").read_bytes()
        if shown:
            return shown.split(b"\0")
        time.sleep(0.001)  # the exec is in progress: there is no signal to wait on
    raise AssertionError(f"process {pid} showed no arguments within 10 s")


@pytest.mark.parametrize("source", ["--pin-file", PIN_VARIABLE])
def test_a_private_pin_is_not_in_the_process_table(tmp_path: Path, source: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != PIN_VARIABLE}
    argv = [sys.executable, "-m", "phonesim", *boot_argv(tmp_path)]
    if source == "--pin-file":
        argv += ["--pin-file", str(pin_file(tmp_path, RIGHT + "\n"))]
    else:
        env[PIN_VARIABLE] = RIGHT
    boot = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        shown = arguments_shown(boot.pid)
        out, _ = boot.communicate(timeout=60)
    finally:
        if boot.poll() is None:
            boot.kill()
            boot.wait()
    assert b"boot" in shown, "read after the process was gone"
    assert not any(RIGHT.encode() in arg for arg in shown)
    assert json.loads(out)["ExitCode"] == 0
