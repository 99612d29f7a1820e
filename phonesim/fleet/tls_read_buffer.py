"""A smaller read buffer for each TLS connection asyncio makes, while a fleet runs.

asyncio's TLS layer (`sslproto.SSLProtocol`) gives every connection a 256 KiB
read buffer, allocated and zero-filled when the connection opens, so it is
resident for the connection's life. A held phone keeps its registrar
connection for the whole hold: at 10,000 held phones that buffer alone was
2.5 GiB of the fleet's memory, for SIP messages of a few kilobytes. A smaller
buffer only means a larger message takes more reads (OpenSSL keeps the rest of
a record until the next one), which costs microseconds during the sign-in;
measured per connection on this machine: 284 KiB with asyncio's buffer, 60 KiB
with 32 KiB, 32 KiB with 4 KiB. The class attribute is what asyncio
reads when a connection opens (in Python 3.11 and 3.12), so the fleet sets it
for its run and puts it back after.
"""

from __future__ import annotations

from asyncio import sslproto
from collections.abc import Iterator
from contextlib import contextmanager

FLEET_TLS_READ_BUFFER = 4 * 1024
"""Bytes: a SIP response of the sign-in is read in one or two."""


@contextmanager
def small_tls_read_buffers(size: int | None = None) -> Iterator[None]:
    """TLS connections opened in the block get a read buffer of `size` bytes (default
    `FLEET_TLS_READ_BUFFER`, read when the block begins)."""
    before = sslproto.SSLProtocol.max_size
    sslproto.SSLProtocol.max_size = size or FLEET_TLS_READ_BUFFER
    try:
        yield
    finally:
        sslproto.SSLProtocol.max_size = before


__all__ = ["FLEET_TLS_READ_BUFFER", "small_tls_read_buffers"]
