"""TLS handshakes carried in memory: the phone's own checks, with no socket.

The in-memory lab has no sockets, but a server certificate the phone must refuse
has to be refused the same way, with the same words. So the phone's TLS context
(built from the root chain it downloaded, exactly as live) and the lab server's
context shake hands through OpenSSL memory BIOs: the verification, and the error
when it fails, are OpenSSL's own.
"""

from __future__ import annotations

import ssl

PLAIN_HTTP_ANSWER = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
"""What a plain HTTP server writes back when a TLS client greets it."""

_ROUNDS = 8
"""Flights a handshake may take; TLS 1.2 and 1.3 need two or three."""


def handshake(
    client: ssl.SSLContext, server: ssl.SSLContext | None, server_name: str | None
) -> bytes:
    """The server certificate (DER) the client accepted; raises the ssl error the client
    raises over a socket when it refuses. `server` None is a plain HTTP server."""
    client_in, client_out = ssl.MemoryBIO(), ssl.MemoryBIO()
    server_in, server_out = ssl.MemoryBIO(), ssl.MemoryBIO()
    phone = client.wrap_bio(client_in, client_out, server_side=False, server_hostname=server_name)
    peer = None if server is None else server.wrap_bio(server_in, server_out, server_side=True)
    for _ in range(_ROUNDS):
        try:
            phone.do_handshake()
        except ssl.SSLWantReadError:
            pass
        else:
            der = phone.getpeercert(binary_form=True)
            assert der is not None
            return der
        greeting = client_out.read()
        if peer is None:
            client_in.write(PLAIN_HTTP_ANSWER)
            client_in.write_eof()
            continue
        server_in.write(greeting)
        try:
            peer.do_handshake()
        except ssl.SSLWantReadError:
            pass
        except ssl.SSLError:
            pass  # the server read the client's alert; the client has raised already
        client_in.write(server_out.read())
    raise ssl.SSLError("the TLS handshake did not finish")


def presented_certificate(server: ssl.SSLContext, server_name: str | None) -> bytes:
    """The certificate a server presents, read without checking it (for reports)."""
    unchecked = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    unchecked.check_hostname = False
    unchecked.verify_mode = ssl.CERT_NONE
    return handshake(unchecked, server, server_name)
