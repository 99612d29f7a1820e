"""The committed example captures are exactly what the project's own generator writes."""

from __future__ import annotations

import runpy
from pathlib import Path

from tests.replay.captures import CAPTURES


def test_make_captures_writes_the_committed_files_byte_for_byte(tmp_path: Path) -> None:
    generator = runpy.run_path(str(CAPTURES / "make_captures.py"))
    generator["write_all"](tmp_path)
    written = sorted(p.name for p in tmp_path.iterdir())
    committed = sorted(p.name for p in CAPTURES.iterdir() if p.suffix in (".pcap", ".pcapng"))
    assert written == committed
    for name in written:
        assert (tmp_path / name).read_bytes() == (CAPTURES / name).read_bytes(), name
    assert max((CAPTURES / name).stat().st_size for name in committed) < 8 * 1024
