"""Places a command cannot write to (or a cache it cannot read) are bad input: one line, exit 2.

Where permission is the point, phonesim runs as `nobody` with a HOME of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from phonesim.cli import main
from tests.unprivileged import own_home, phonesim, require_root, shared_folder

BOOT = ("boot", "--lab", "--ext", "5551234", "--pin", "13579", "--seed", "7")


def one_error_line(err: str) -> str:
    assert "Traceback" not in err
    [line] = err.splitlines()
    assert line.startswith("phonesim: error: ")
    return line


def test_a_run_folder_that_cannot_be_made(capsys, tmp_path: Path) -> None:
    code = main([*BOOT, "--state-dir", str(tmp_path / "state"), "--run-dir", "/proc/nope"])
    line = one_error_line(capsys.readouterr().err)
    assert code == 2
    assert "cannot write the run folder /proc/nope: No such file or directory" in line


def test_a_run_folder_that_is_a_file(capsys, tmp_path: Path) -> None:
    taken = tmp_path / "notes.txt"
    taken.write_text("mine\n")
    code = main([*BOOT, "--state-dir", str(tmp_path / "state"), "--run-dir", str(taken)])
    line = one_error_line(capsys.readouterr().err)
    assert code == 2
    assert f"cannot write the run folder {taken}" in line
    assert taken.read_text() == "mine\n"


def test_an_endpoints_file_in_a_missing_folder(capsys, tmp_path: Path) -> None:
    target = tmp_path / "unreadable" / "x" / "y.json"
    code = main(["lab", "--endpoints-file", str(target)])
    line = one_error_line(capsys.readouterr().err)
    assert code == 2
    assert f"{target}: cannot write the endpoints file: No such file or directory" in line
    assert not target.parent.exists()


@pytest.fixture
def nobody() -> Iterator[tuple[Path, dict[str, str]]]:
    require_root()
    with shared_folder() as folder:
        locked = folder / "root-only"
        locked.mkdir(mode=0o755)
        yield folder, own_home(folder)


def test_an_unwritable_state_folder_is_refused_before_the_boot(nobody) -> None:
    folder, env = nobody
    done = phonesim(
        *BOOT, "--state-dir", str(folder / "root-only"), "--runs-dir", str(folder), env=env
    )
    line = one_error_line(done.stderr)
    assert done.returncode == 2
    assert f"cannot write the discovery cache in {folder / 'root-only'}/00-04-f2-" in line
    assert "DHCPINFORM" not in done.stdout


def test_an_unwritable_run_folder(nobody) -> None:
    folder, env = nobody
    run_dir = folder / "root-only" / "run"
    done = phonesim(*BOOT, "--state-dir", str(folder / "state"), "--run-dir", str(run_dir), env=env)
    line = one_error_line(done.stderr)
    assert done.returncode == 2
    assert f"cannot write the run folder {run_dir}: Permission denied" in line


def test_an_unwritable_capture(nobody) -> None:
    folder, env = nobody
    capture = folder / "root-only" / "c.pcap"
    done = phonesim(
        *BOOT,
        "--state-dir",
        str(folder / "state"),
        "--runs-dir",
        str(folder / "runs"),
        "--capture",
        str(capture),
        env=env,
    )
    line = one_error_line(done.stderr)
    assert done.returncode == 2
    assert f"cannot write the capture {capture}: Permission denied" in line


def test_an_unwritable_endpoints_file(nobody) -> None:
    folder, env = nobody
    target = folder / "root-only" / "lab.json"
    done = phonesim("lab", "--endpoints-file", str(target), env=env, timeout=60)
    line = one_error_line(done.stderr)
    assert done.returncode == 2
    assert f"{target}: cannot write the endpoints file: Permission denied" in line


def scapy_users(folder: Path) -> dict[str, tuple[str, ...]]:
    """Commands that load scapy, with their outputs in the shared folder."""
    outputs = ("--state-dir", str(folder / "state"), "--runs-dir", str(folder))
    return {
        "boot": (*BOOT, "--stop-after", "dhcp", "--no-capture", *outputs),
        "replay": ("replay", "examples/captures/lab-inform.pcap"),
    }


@pytest.mark.parametrize("command", ["boot", "replay"])
def test_a_root_owned_scapy_cache_is_passed_over(nobody, command) -> None:
    """As after `sudo -E phonesim ...`: the user's ~/.cache/scapy belongs to root."""
    folder, env = nobody
    cache = Path(env["HOME"]) / ".cache"
    (cache / "scapy").mkdir(parents=True)
    (cache / "scapy" / "services.pickle").write_bytes(b"root's")
    cache.chmod(0o700)
    done = phonesim(*scapy_users(folder)[command], env=env)
    assert "Traceback" not in done.stderr
    assert done.returncode == 0, done.stderr
