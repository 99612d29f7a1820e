"""No file a boot leaves behind holds the PIN: not the run folder, not the state folder,
not the temporary directory (the README's security rules)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PIN = "86420937"
"""Used nowhere else, so that finding it anywhere means the PIN itself."""


def test_a_boot_writes_its_pin_to_no_file(tmp_path: Path) -> None:
    scenario = tmp_path / "scenario" / "own-pin.toml"
    scenario.parent.mkdir()
    scenario.write_text(
        '[scenario]\nsummary = "the user has a PIN of their own"\n'
        f'[[webticket.user]]\nextension = "5551234"\npin = "{PIN}"\n'
    )
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    written = [tmp_path / "state", tmp_path / "runs", temporary]
    done = subprocess.run(
        [
            *(sys.executable, "-m", "phonesim", "boot", "--lab", "--scenario", str(scenario)),
            *("--ext", "5551234", "--no-cache", "--state-dir", str(written[0])),
            *("--runs-dir", str(written[1])),
        ],
        env={**os.environ, "PHONESIM_PIN": PIN, "TMPDIR": str(temporary)},
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    files = [path for folder in written for path in folder.rglob("*") if path.is_file()]
    assert any(path.name == "result.json" for path in files)
    holding = [path for path in files if PIN.encode() in path.read_bytes()]
    assert holding == []
    assert PIN.encode() not in done.stdout + done.stderr
