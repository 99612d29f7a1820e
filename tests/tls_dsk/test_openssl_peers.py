"""The key block each of our ends exports equals what openssl prints for the same handshake.

Checks against something we did not write (`tls-dsk.md` §4.4): our client against
`openssl s_server`, our server against `openssl s_client`, both with
`-keymatexport 'client EAP encryption' -keymatexportlen 128`, TLS 1.0 and the
suites at SECLEVEL=0. The openssl command line links the system OpenSSL, not the
one in the cryptography wheel that pyOpenSSL uses. Loopback only.
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime

import pytest

from phonesim.codec.tls_dsk.handshake import InnerTls, TlsDskClientSide, TlsDskServerSide
from tests.netns import require_tools
from tests.tls_dsk.credentials import pem_certificate, pem_key
from tests.tls_dsk.openssl_peer import DEADLINE, OpensslPeer, free_port, pump

EXPORT = ["-keymatexport", "client EAP encryption", "-keymatexportlen", "128"]


@pytest.fixture
def files(tmp_path, lab):
    paths = {
        "ca": (tmp_path / "ca.pem", pem_certificate(lab.root)),
        "server": (tmp_path / "server.pem", pem_certificate(lab.server_certificate)),
        "server_key": (tmp_path / "server.key", pem_key(lab.server_key)),
        "phone": (tmp_path / "phone.pem", pem_certificate(lab.phone_certificate)),
        "phone_key": (tmp_path / "phone.key", pem_key(lab.phone_key)),
    }
    for path, data in paths.values():
        path.write_bytes(data)
    return {name: str(path) for name, (path, _) in paths.items()}


@pytest.mark.parametrize("cipher", ["AES128-SHA", "AES256-SHA"])
def test_our_client_against_openssl_s_server(lab, files, cipher):
    require_tools("openssl")
    for _attempt in range(3):
        port = free_port()
        server = OpensslPeer(
            ["s_server", "-accept", f"127.0.0.1:{port}", "-naccept", "1", "-tls1",
             "-cipher", f"{cipher}@SECLEVEL=0", "-no_ticket",
             "-cert", files["server"], "-key", files["server_key"],
             "-CAfile", files["ca"], "-Verify", "1", *EXPORT]
        )  # fmt: skip
        try:
            line = server.wait_for(lambda text: text.startswith(("ACCEPT", "bind")))
            if not line.startswith("ACCEPT"):
                continue  # the port was taken between probing and binding
            client = TlsDskClientSide(InnerTls(("1.0",), f"{cipher}@SECLEVEL=0")).handshake(
                lab.phone_certificate, lab.phone_key
            )
            with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE) as connection:
                pump(client, connection, client.step())
                printed = server.keying_material()
            assert client.version == "TLSv1" and client.cipher == cipher
            assert len(printed) == 128
            assert client.key_block == printed
            return
        finally:
            server.stop()
    pytest.fail("no free loopback port for openssl s_server in 3 attempts")


@pytest.mark.parametrize("cipher", ["AES128-SHA", "AES256-SHA"])
def test_our_server_against_openssl_s_client(lab, files, cipher):
    require_tools("openssl")
    tls = InnerTls(("1.0",), f"{cipher}@SECLEVEL=0")
    side = TlsDskServerSide(
        lab.server_certificate, lab.server_key, client_roots=[lab.root], tls=tls
    )
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(DEADLINE)
        port = listener.getsockname()[1]
        client = OpensslPeer(
            ["s_client", "-connect", f"127.0.0.1:{port}", "-tls1",
             "-cipher", f"{cipher}@SECLEVEL=0", "-no_ticket",
             "-cert", files["phone"], "-key", files["phone_key"], "-CAfile", files["ca"],
             *EXPORT]
        )  # fmt: skip
        try:
            connection, _ = listener.accept()
            with connection:
                connection.settimeout(DEADLINE)
                server = side.handshake(now=datetime.now(UTC))
                pump(server, connection)
                printed = client.keying_material()
        finally:
            client.stop()
    assert server.version == "TLSv1" and server.cipher == cipher
    assert server.client_certificate == lab.phone_certificate
    assert len(printed) == 128
    assert server.key_block == printed
