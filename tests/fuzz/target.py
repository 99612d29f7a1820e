"""A reader of outside bytes as the fuzz tests and the long campaign see it.

A target takes any bytes and feeds them to one reader (and to what the phone
does with its result); it may raise only phonesim's own errors. Its seeds are
valid inputs (golden vectors, what the lab sends), from which mutations reach
far deeper into a reader than random bytes do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from hypothesis import strategies as st

SLOWEST_ALLOWED = 5.0
"""Seconds one input may take; readers take milliseconds, so only a blow-up reaches it."""


@dataclass(frozen=True)
class FuzzTarget:
    name: str
    read: Callable[[bytes], object]
    seeds: Callable[[], Sequence[bytes]]
    """Built on first use: some need a certificate authority or a lab document."""
    max_size: int = 4096


def text(data: bytes) -> str:
    """The text a user or file would give: bytes that are not UTF-8 read as U+FFFD."""
    return data.decode("utf-8", "replace")


_TELLING = [
    b"\x00",
    b"\xff",
    b"\x7f",
    b"\x80",
    b"\r\n",
    b"\r\n\r\n",
    b"\n",
    b" " * 64,
    b"<",
    b">",
    b"&",
    b"&e;",
    b"<?x y?>",
    b"<!-- c -->",
    b'"',
    b";",
    b"=",
    b",",
    b":",
    b"[",
    b"{",
    "²".encode(),
    "€".encode(),
    b"9" * 64,
    b"-1",
    b"\xef\xbb\xbf",
]
"""Bytes that mean something to one reader or another: separators, markup, digits."""


@st.composite
def _mutated(draw: st.DrawFn, seeds: Sequence[bytes], max_size: int) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 6))):
        where = draw(st.integers(0, len(data)))
        kind = draw(st.integers(0, 5))
        if kind == 0 and data:
            data[min(where, len(data) - 1)] = draw(st.integers(0, 255))
        elif kind == 1:
            data[where:where] = draw(st.sampled_from(_TELLING))
        elif kind == 2:
            data[where : where + draw(st.integers(1, 16))] = b""
        elif kind == 3:
            end = where + draw(st.integers(1, 64))
            data[where:where] = data[where:end] * draw(st.integers(1, 8))
        elif kind == 4:
            other = draw(st.sampled_from(seeds))
            start = draw(st.integers(0, len(other)))
            data[where:] = other[start:]
        else:
            data[where:where] = draw(st.binary(min_size=1, max_size=8))
    return bytes(data[:max_size])


def inputs(seeds: Sequence[bytes], max_size: int) -> st.SearchStrategy[bytes]:
    """Mostly mutated seeds, now and then bytes from nothing."""
    return st.one_of(_mutated(seeds, max_size), st.binary(max_size=min(max_size, 512)))
