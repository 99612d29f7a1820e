"""Where a process's memory is, read from inside it: the C allocator (glibc `mallinfo2`),
Python's own small-object allocator (pymalloc), and `tracemalloc` by source line.

Used by `held_fleet.py` to split a held phone's memory between owners. RSS alone
cannot say whether memory is live objects, OpenSSL's, or free space the C
allocator keeps after the sign-in wave (glibc returns the top of its heap only).
"""

from __future__ import annotations

import ctypes
import os
import re
import sys
import tempfile
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

MIB = 1024 * 1024
_LIBC = ctypes.CDLL("libc.so.6")


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


_LIBC.mallinfo2.restype = _MallInfo2
_LIBC.malloc_trim.argtypes = [ctypes.c_size_t]


def rss_mib(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


@dataclass(frozen=True)
class HeapFigures:
    rss: float
    malloc_in_use: float
    """MiB glibc has handed out (OpenSSL, Python's larger objects, pymalloc's arenas not)."""
    malloc_free: float
    """MiB free inside glibc's heaps: kept by the allocator, resident if touched."""
    mmapped: float
    """MiB in glibc's own mmapped blocks (single allocations of 128 KiB and more)."""
    pymalloc_arenas: float
    """MiB of pymalloc arenas (Python objects of 512 bytes or less)."""
    pymalloc_used: float
    """MiB of those arenas' blocks in use."""

    def line(self) -> str:
        return (
            f"RSS {self.rss:.1f} MiB; glibc in use {self.malloc_in_use:.1f}, free "
            f"{self.malloc_free:.1f}, mmapped {self.mmapped:.1f}; pymalloc arenas "
            f"{self.pymalloc_arenas:.1f} ({self.pymalloc_used:.1f} in use)"
        )


def heap_figures() -> HeapFigures:
    info = _LIBC.mallinfo2()
    arenas, used = _pymalloc()
    return HeapFigures(
        rss=rss_mib(),
        malloc_in_use=info.uordblks / MIB,
        malloc_free=info.fordblks / MIB,
        mmapped=info.hblkhd / MIB,
        pymalloc_arenas=arenas / MIB,
        pymalloc_used=used / MIB,
    )


def malloc_trim() -> None:
    _LIBC.malloc_trim(0)


def _pymalloc() -> tuple[int, int]:
    """(bytes in arenas, bytes in blocks in use), from `sys._debugmallocstats`, which
    writes to the C stderr."""
    with tempfile.TemporaryFile() as out:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(out.fileno(), 2)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        out.seek(0)
        text = out.read().decode("ascii", "replace")
    in_use = _figure(text, r"# bytes in allocated blocks\s+=\s+([\d,]+)")
    arenas = _figure(text, r"Total\s+=\s+([\d,]+)")
    return arenas, in_use


def _figure(text: str, pattern: str) -> int:
    found = re.search(pattern, text)
    return int(found.group(1).replace(",", "")) if found else 0


def tracemalloc_growth(
    before: tracemalloc.Snapshot, after: tracemalloc.Snapshot, per: int, top: int = 25
) -> list[str]:
    """What Python allocated between two snapshots and still holds, per phone: by file,
    then by line."""
    lines: list[str] = []
    total = sum(s.size_diff for s in after.compare_to(before, "filename"))
    lines.append(f"tracemalloc: {total / per / 1024:.1f} KiB per phone still held")
    for title, key in (("by file", "filename"), ("by line", "lineno")):
        lines.append(f"  {title}:")
        for stat in after.compare_to(before, key)[:top]:
            if stat.size_diff <= 0:
                continue
            frame = stat.traceback[0]
            where = _short(frame.filename) + ("" if key == "filename" else f":{frame.lineno}")
            lines.append(
                f"    {stat.size_diff / per:8.0f} B/phone  {stat.count_diff / per:6.1f} "
                f"blocks/phone  {where}"
            )
    return lines


def _short(path: str) -> str:
    for marker in ("site-packages/", "phonesim/", "lib/python3"):
        at = path.find(marker)
        if at >= 0:
            return path[at:]
    return path
