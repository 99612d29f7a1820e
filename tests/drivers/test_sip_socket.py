"""The phone's own SIP socket against a TLS server on loopback: what it writes arrives
whole, a close says close_notify first, and a hang-up mid-handshake is a lost
connection, as it was through asyncio's streams."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from phonesim.core.commands import ConnectRegistrar
from phonesim.drivers.sip_client import register
from phonesim.drivers.sip_socket import SipSocket
from phonesim.drivers.trust import trust_context
from phonesim.lab.certificate_authority import LabCertificateAuthority

HOST = "sip.phonesim.test"
CA = LabCertificateAuthority.create(now=datetime.now(UTC))
SERVER = CA.server_ssl_context([HOST], now=datetime.now(UTC))
TRUST = trust_context(CA.chain)


@contextmanager
def server(serve: Callable[[socket.socket], None]) -> Iterator[int]:
    """A one-connection server on loopback, `serve` run on its accepted socket in a thread."""
    listener = socket.create_server(("127.0.0.1", 0))
    # Small, so that a large write cannot all go at once.
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    failures: list[BaseException] = []

    def run() -> None:
        try:
            conn, _ = listener.accept()
            with conn:
                serve(conn)
        except BaseException as error:  # reported by the test, not lost in the thread
            failures.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        thread.join(10)
        listener.close()
    if failures:
        raise failures[0]


def tls_server(conn: socket.socket) -> ssl.SSLSocket:
    # A bare FIN then raises SSLEOFError instead of reading as an orderly end.
    return SERVER.wrap_socket(conn, server_side=True, suppress_ragged_eofs=False)


def test_a_message_larger_than_the_socket_takes_at_once_arrives_whole() -> None:
    message = bytes(range(256)) * 32768  # 8 MiB: more than the kernel buffers hold
    received = bytearray()

    def serve(conn: socket.socket) -> None:
        tls = tls_server(conn)
        threading.Event().wait(0.3)  # the client's writes fill the buffers first
        while len(received) < len(message):
            chunk = tls.recv(65536)
            if not chunk:
                break
            received.extend(chunk)
        tls.sendall(b"got it")

    async def client(port: int) -> bytes:
        sock = await SipSocket.connect("127.0.0.1", port, context=TRUST, server_hostname=HOST)
        sock.write(message)
        answer = await asyncio.wait_for(sock.read(), 10)
        sock.abort()
        return answer

    with server(serve) as port:
        answer = asyncio.run(client(port))
    assert bytes(received) == message
    assert answer == b"got it"


def test_close_says_close_notify_before_the_fin() -> None:
    ended: list[bytes] = []

    def serve(conn: socket.socket) -> None:
        tls = tls_server(conn)
        assert tls.recv(100) == b"\r\n\r\n"
        ended.append(tls.recv(100))  # b"" only after a close_notify
        tls.unwrap()

    async def client(port: int) -> None:
        sock = await SipSocket.connect("127.0.0.1", port, context=TRUST, server_hostname=HOST)
        sock.write(b"\r\n\r\n")
        sock.close()
        while sock.tls is not None and sock.tls.fileno() >= 0:
            await asyncio.sleep(0.01)

    with server(serve) as port:
        asyncio.run(asyncio.wait_for(client(port), 10))
    assert ended == [b""]


def test_a_registrar_that_hangs_up_in_the_handshake_is_a_lost_connection() -> None:
    def serve(conn: socket.socket) -> None:
        conn.recv(4096)  # the ClientHello, unanswered

    command = ConnectRegistrar(
        host=HOST,
        address="127.0.0.1",
        port=5061,
        transport="tls",
        sip_uri="sip:alice@phonesim.test",
        call_id="c",
        tag="t",
        branch="z9hG4bK1",
        timeout=5,
    )
    with server(serve) as port:
        answer = asyncio.run(
            register(command, real_port=port, trust=TRUST, user_agent="test", timeout=5)
        )
    assert answer.failure is not None
    assert answer.failure.kind == "connect"
