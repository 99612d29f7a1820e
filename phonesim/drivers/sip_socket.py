"""The phone's SIP connection on a socket of its own, TLS straight on the descriptor.

A held phone keeps its registrar connection for the whole hold, so what one
connection costs is paid once per phone in a fleet. asyncio's streams over its
TLS transport keep, per connection, a read buffer, two memory BIOs with their
OpenSSL buffers, the transport, protocol, stream reader and writer objects and
the server's certificate as a dict. Measured on this machine, 1,000 TLS 1.3
client connections held open: 44.6 KiB each through asyncio (with the fleet's
4 KiB read buffer), 29.9 KiB as an `ssl.SSLSocket` on the descriptor driven by
the loop's reader and writer callbacks, which is what this is. Nothing is read
while nobody waits for a message: what the registrar sends meanwhile waits in
the kernel's socket buffer, as it waited in asyncio's.

On the wire it does what asyncio did: TCP_NODELAY, the same TLS records, the
handshake's errors as asyncio raised them, and on close the close_notify, then
the FIN once the registrar's close_notify came (or `SHUTDOWN_TIMEOUT` passed).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from typing import Any

SHUTDOWN_TIMEOUT = 30.0
"""Seconds the close waits for the peer's close_notify, as asyncio's TLS transport."""

_CHUNK = 4096


class SipSocket:
    """One TCP or TLS connection: bytes written, bytes read back when they come."""

    __slots__ = ("_closing", "_error", "_loop", "_sock", "_tls", "_unsent", "_waiting")

    def __init__(
        self, loop: asyncio.AbstractEventLoop, sock: socket.socket, tls: ssl.SSLSocket | None
    ) -> None:
        self._loop = loop
        self._sock = sock
        self._tls = tls
        self._unsent = b""
        """Bytes the socket (or OpenSSL) did not take yet: they go when it is writable."""
        self._error: OSError | None = None
        """Why a write failed: the next read says it, as asyncio's stream did."""
        self._closing = False
        self._waiting: asyncio.Future[None] | None = None

    @classmethod
    async def connect(
        cls,
        address: str,
        port: int,
        *,
        context: ssl.SSLContext | None,
        server_hostname: str | None,
    ) -> SipSocket:
        """Connected (and, given a context, through the TLS handshake)."""
        loop = asyncio.get_running_loop()
        family, where = await _address_of(loop, address, port)
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            await loop.sock_connect(sock, where)
            tls = None
            if context is not None:
                tls = context.wrap_socket(
                    sock, server_hostname=server_hostname, do_handshake_on_connect=False
                )
                sock = tls
        except BaseException:
            sock.close()
            raise
        connection = cls(loop, sock, tls)
        try:
            if tls is not None:
                await connection._handshake(tls)
        except BaseException:
            connection.abort()
            raise
        return connection

    # ------------------------------------------------------------------ facts

    @property
    def tls(self) -> ssl.SSLSocket | None:
        return self._tls

    def sockname(self) -> tuple[str, int]:
        host, port = self._sock.getsockname()[:2]
        return host, port

    def is_closing(self) -> bool:
        return self._closing

    # ------------------------------------------------------------------ reading

    async def read(self, limit: int = _CHUNK) -> bytes:
        """The next bytes the peer sent, up to `limit`; b"" once it closed."""
        while True:
            if self._error is not None:
                raise self._error
            if self._closing:
                return b""
            try:
                return self._sock.recv(limit)
            except (BlockingIOError, ssl.SSLWantReadError):
                await self._ready(writing=False)
            except ssl.SSLWantWriteError:
                await self._ready(writing=True)

    # ------------------------------------------------------------------ writing

    def write(self, data: bytes) -> None:
        """Sent now as far as the socket takes it, the rest when it is writable."""
        if self._closing or self._error is not None:
            return
        waiting = bool(self._unsent)
        self._unsent += data
        if not waiting:
            self._flush()

    def _flush(self) -> None:
        while self._unsent:
            try:
                # OpenSSL retries a record it could not write with the same bytes first:
                # `_unsent` only ever grows at its end until they are taken.
                sent = self._sock.send(self._unsent)
            except (BlockingIOError, ssl.SSLWantWriteError, ssl.SSLWantReadError):
                self._loop.add_writer(self._sock.fileno(), self._writable)
                return
            except OSError as error:
                self._error = error
                self._unsent = b""
                return
            self._unsent = self._unsent[sent:]

    def _writable(self) -> None:
        self._loop.remove_writer(self._sock.fileno())
        if not self._closing:
            self._flush()

    # ------------------------------------------------------------------ closing

    def close(self) -> None:
        """TLS ends with close_notify; the socket closes once the peer's came back."""
        if self._closing:
            return
        self._closing = True
        self._wake_reader()
        if self._tls is None:
            self.abort()
            return
        self._shutdown_step()
        if self._sock.fileno() >= 0:
            self._loop.call_later(SHUTDOWN_TIMEOUT, self.abort)

    def _shutdown_step(self) -> None:
        tls = self._tls
        assert tls is not None
        if tls.fileno() < 0:
            return
        self._loop.remove_reader(tls.fileno())
        try:
            tls.unwrap()
        except ssl.SSLWantReadError:
            self._loop.add_reader(tls.fileno(), self._shutdown_step)
            return
        except (ssl.SSLWantWriteError, OSError):
            pass  # the peer is gone (or will not take it): nothing left to say
        self.abort()

    def abort(self) -> None:
        """Closed now, without a word."""
        self._closing = True
        self._wake_reader()
        fd = self._sock.fileno()
        if fd >= 0:
            self._loop.remove_reader(fd)
            self._loop.remove_writer(fd)
        self._sock.close()
        self._unsent = b""

    # ------------------------------------------------------------------ waiting

    async def _handshake(self, tls: ssl.SSLSocket) -> None:
        while True:
            try:
                tls.do_handshake()
                return
            except ssl.SSLWantReadError:
                await self._ready(writing=False)
            except ssl.SSLWantWriteError:
                await self._ready(writing=True)
            except (ssl.SSLEOFError, ssl.SSLZeroReturnError):
                # The peer hung up mid-handshake: asyncio's transport said so this way.
                raise ConnectionResetError() from None

    async def _ready(self, *, writing: bool) -> None:
        """Until the socket is readable (or writable), or the connection is closed."""
        fd = self._sock.fileno()
        waiter = self._waiting = self._loop.create_future()
        if writing:
            self._loop.add_writer(fd, _wake, waiter)
        else:
            self._loop.add_reader(fd, _wake, waiter)
        try:
            await waiter
        finally:
            self._waiting = None
            if not self._closing:
                if writing:
                    self._loop.remove_writer(fd)
                else:
                    self._loop.remove_reader(fd)

    def _wake_reader(self) -> None:
        waiting = self._waiting
        if waiting is not None and not waiting.done():
            waiting.set_result(None)


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


async def _address_of(
    loop: asyncio.AbstractEventLoop, address: str, port: int
) -> tuple[socket.AddressFamily, Any]:
    """The socket address of `address` (an IP address, as the phone dials: no lookup)."""
    try:
        found = socket.getaddrinfo(
            address, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST
        )
    except socket.gaierror:
        found = await loop.getaddrinfo(address, port, type=socket.SOCK_STREAM)
    family, _type, _proto, _name, where = found[0]
    return family, where


__all__ = ["SHUTDOWN_TIMEOUT", "SipSocket"]
