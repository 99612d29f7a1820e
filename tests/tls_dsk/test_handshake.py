"""Both ends of the TLS-DSK inner handshake in memory: four flights, equal keys, named failures."""

from __future__ import annotations

import contextlib
import struct
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from OpenSSL import SSL

from phonesim.codec.sip_message import parse_request
from phonesim.codec.tls_dsk.handshake import (
    InnerTls,
    TlsDskClientSide,
    TlsDskServerSide,
)
from phonesim.codec.tls_dsk.handshake_failures import (
    CertificateRefused,
    NoClientCertificate,
    NoSharedCipher,
    NotTls,
    ProtocolVersionRefused,
    RefusedByPeer,
    TlsDskHandshakeFailed,
    UnexpectedToken,
    UnusableTlsSettings,
)
from phonesim.codec.tls_dsk.keys import KEY_BLOCK_LABEL, key_block_tls10
from phonesim.codec.tls_dsk.signature import (
    SignatureCheck,
    SignatureParams,
    sign,
    signature_string,
    verify,
)
from tests.tls_dsk.credentials import issue

HANDSHAKE, CHANGE_CIPHER_SPEC = 22, 20
CLIENT_HELLO, SERVER_HELLO, CERTIFICATE, CERTIFICATE_REQUEST, SERVER_HELLO_DONE = 1, 2, 11, 13, 14
CLIENT_KEY_EXCHANGE, CERTIFICATE_VERIFY = 16, 15


def records(flight: bytes) -> list[tuple[int, int, bytes]]:
    """(content type, record version, fragment) of each TLS record in a flight."""
    out = []
    while flight:
        kind, version, length = struct.unpack("!BHH", flight[:5])
        out.append((kind, version, flight[5 : 5 + length]))
        flight = flight[5 + length :]
    return out


def handshake_types(fragment: bytes) -> list[int]:
    types = []
    while fragment:
        types.append(fragment[0])
        fragment = fragment[4 + int.from_bytes(fragment[1:4], "big") :]
    return types


def server_side(lab, tls=None):
    return TlsDskServerSide(
        lab.server_certificate, lab.server_key, client_roots=[lab.root], tls=tls or InnerTls()
    )


def run(client, server):
    """Pump both ends to the end; the flights in order."""
    flights = [client.step()]
    flights.append(server.step(flights[-1]))
    flights.append(client.step(flights[-1]))
    flights.append(server.step(flights[-1]))
    assert client.step(flights[-1]) == b""
    return flights


def test_four_flights_and_equal_key_blocks(lab):
    client = TlsDskClientSide().handshake(lab.phone_certificate, lab.phone_key)
    server = server_side(lab).handshake(now=lab.issued)
    first, second, third, fourth = run(client, server)

    assert [(k, v) for k, v, _ in records(first)] == [(HANDSHAKE, 0x0301)]
    hello = records(first)[0][2]
    assert handshake_types(hello) == [CLIENT_HELLO]
    session_id = hello[4 + 34]
    suites_at = 4 + 35 + session_id
    suites = int.from_bytes(hello[suites_at : suites_at + 2], "big")
    compression = hello[suites_at + 2 + suites]
    assert len(hello) == suites_at + 2 + suites + 1 + compression  # no extensions
    assert [
        handshake_types(fragment) for kind, _, fragment in records(second) if kind == HANDSHAKE
    ] == [[SERVER_HELLO], [CERTIFICATE], [CERTIFICATE_REQUEST], [SERVER_HELLO_DONE]]
    third_records = records(third)
    assert [kind for kind, _, _ in third_records][-2:] == [CHANGE_CIPHER_SPEC, HANDSHAKE]
    plain = b"".join(f for kind, _, f in third_records[:-2] if kind == HANDSHAKE)
    assert handshake_types(plain) == [CERTIFICATE, CLIENT_KEY_EXCHANGE, CERTIFICATE_VERIFY]
    assert [kind for kind, _, _ in records(fourth)] == [CHANGE_CIPHER_SPEC, HANDSHAKE]

    assert client.complete and server.complete
    assert client.version == server.version == "TLSv1"
    assert client.cipher == server.cipher == "AES128-SHA"
    assert len(client.key_block) == 128
    assert client.key_block == server.key_block
    assert client.keys == server.keys
    assert server.client_certificate == lab.phone_certificate


def test_exporter_equals_the_hand_written_prf(lab):
    client = TlsDskClientSide().handshake(lab.phone_certificate, lab.phone_key)
    server = server_side(lab).handshake(now=lab.issued)
    run(client, server)
    connection = client.connection
    by_hand = key_block_tls10(
        connection.master_key(), connection.client_random(), connection.server_random()
    )
    assert client.key_block == by_hand
    assert connection.export_keying_material(KEY_BLOCK_LABEL, 128, b"") != by_hand


@pytest.mark.parametrize("cipher", ["AES128-SHA", "AES256-SHA"])
def test_installed_openssl_still_negotiates_tls_1_0_at_seclevel_0(lab, cipher):
    """If a pyOpenSSL/cryptography upgrade drops TLS 1.0 or these suites, this fails."""
    tls = InnerTls(("1.0",), f"{cipher}@SECLEVEL=0")
    client = TlsDskClientSide(tls).handshake(lab.phone_certificate, lab.phone_key)
    server = server_side(lab, tls).handshake(now=lab.issued)
    run(client, server)
    assert (client.version, client.cipher) == ("TLSv1", cipher)
    assert (server.version, server.cipher) == ("TLSv1", cipher)


def test_signed_register_checks_with_the_derived_keys(lab):
    client = TlsDskClientSide().handshake(lab.phone_certificate, lab.phone_key)
    server = server_side(lab).handshake(now=lab.issued)
    run(client, server)
    register = parse_request(
        b"REGISTER sip:lab.test SIP/2.0\r\nFrom: <sip:alice@lab.test>;tag=1\r\n"
        b"To: <sip:alice@lab.test>\r\nCall-ID: c1\r\nCSeq: 4 REGISTER\r\n"
        b"Content-Length: 0\r\n\r\n"
    )
    params = SignatureParams("TLS-DSK", "1a2b3c4d", "1", "SIP Communications Service", "pool")
    text = signature_string(register, params)
    signature = sign(client.keys.client, text, client.keys.digest)
    assert verify(server.keys.client, text, signature, server.keys.digest) is SignatureCheck.VALID
    assert verify(server.keys.server, text, signature) is SignatureCheck.WRONG


def test_client_certificate_from_another_ca_is_refused_on_both_ends(lab, other_lab):
    client = TlsDskClientSide().handshake(other_lab.phone_certificate, other_lab.phone_key)
    server = server_side(lab).handshake(now=lab.issued)
    second = server.step(client.step())
    third = client.step(second)
    with pytest.raises(CertificateRefused) as refused:
        server.step(third)
    assert refused.value.role == "server"
    assert refused.value.verify_error == "unable to get local issuer certificate"
    assert "CN=alice@lab.test" in refused.value.subject
    assert "certificate verify failed" in refused.value.reason
    with pytest.raises(CertificateRefused):  # the engine stays failed
        server.step(b"")
    with pytest.raises(RefusedByPeer) as alert:
        client.step(refused.value.to_send)
    assert alert.value.alert == "unknown ca"


def test_client_certificate_checked_on_the_labs_clock(keys):
    issued = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    lab = issue(issued, phone_key=keys[0], server_key=keys[1])
    side = server_side(lab)
    client = TlsDskClientSide().handshake(lab.phone_certificate, lab.phone_key)
    run(client, side.handshake(now=issued + timedelta(days=1)))
    assert client.complete

    late = TlsDskClientSide().handshake(lab.phone_certificate, lab.phone_key)
    server = side.handshake(now=issued + timedelta(days=181))
    with pytest.raises(CertificateRefused, match="certificate has expired"):
        server.step(late.step(server.step(late.step())))


def test_version_refused_by_the_server(lab):
    client = TlsDskClientSide().handshake(lab.phone_certificate, lab.phone_key)
    server = server_side(lab, InnerTls(("1.2",))).handshake(now=lab.issued)
    with pytest.raises(ProtocolVersionRefused) as refused:
        server.step(client.step())
    assert refused.value.role == "server"
    with pytest.raises(ProtocolVersionRefused) as alert:
        client.step(refused.value.to_send)
    assert "alert protocol version" in alert.value.reason


def test_version_refused_by_the_client(lab):
    client = TlsDskClientSide(InnerTls(("1.2",))).handshake(lab.phone_certificate, lab.phone_key)
    server = server_side(lab).handshake(now=lab.issued)
    with pytest.raises(ProtocolVersionRefused) as refused:
        client.step(server.step(client.step()))
    assert refused.value.role == "client"


def test_no_shared_cipher(lab):
    client = TlsDskClientSide(InnerTls(ciphers="AES256-SHA@SECLEVEL=0")).handshake(
        lab.phone_certificate, lab.phone_key
    )
    server = server_side(lab, InnerTls(ciphers="AES128-SHA@SECLEVEL=0")).handshake(now=lab.issued)
    with pytest.raises(NoSharedCipher) as refused:
        server.step(client.step())
    with pytest.raises(RefusedByPeer, match="handshake failure"):
        client.step(refused.value.to_send)


def test_a_client_without_a_certificate(lab):
    context = SSL.Context(SSL.TLS_METHOD)
    context.set_min_proto_version(SSL.TLS1_VERSION)
    context.set_max_proto_version(SSL.TLS1_VERSION)
    context.set_cipher_list(b"AES128-SHA@SECLEVEL=0")
    bare = SSL.Connection(context, None)
    bare.set_connect_state()
    server = server_side(lab).handshake(now=lab.issued)

    def flight(data=b""):
        if data:
            bare.bio_write(data)
        with contextlib.suppress(SSL.WantReadError):
            bare.do_handshake()
        return bare.bio_read(65536)

    with pytest.raises(NoClientCertificate):
        server.step(flight(server.step(flight())))


def test_garbage_is_not_tls(lab):
    server = server_side(lab).handshake(now=lab.issued)
    with pytest.raises(NotTls):
        server.step(b"REGISTER sip:lab.test SIP/2.0\r\n\r\n")


def test_nothing_more_after_the_end(lab):
    client = TlsDskClientSide().handshake(lab.phone_certificate, lab.phone_key)
    server = server_side(lab).handshake(now=lab.issued)
    run(client, server)
    assert server.step(b"") == b""
    with pytest.raises(UnexpectedToken):
        server.step(b"\x16\x03\x01")


def test_keys_only_after_completion(lab):
    client = TlsDskClientSide().handshake(lab.phone_certificate, lab.phone_key)
    client.step()
    with pytest.raises(Exception, match="has not completed") as early:
        _ = client.key_block
    assert type(early.value).__name__ == "TlsDskHandshakeFailed"


def test_client_checks_the_server_when_given_roots(lab, other_lab):
    trusting = TlsDskClientSide(server_roots=[lab.root])
    client = trusting.handshake(lab.phone_certificate, lab.phone_key, now=lab.issued)
    run(client, server_side(lab).handshake(now=lab.issued))
    assert client.complete

    wary = TlsDskClientSide(server_roots=[other_lab.root])
    client = wary.handshake(lab.phone_certificate, lab.phone_key, now=lab.issued)
    server = server_side(lab).handshake(now=lab.issued)
    with pytest.raises(CertificateRefused) as refused:
        client.step(server.step(client.step()))
    assert refused.value.role == "client"
    assert refused.value.verify_error == "self-signed certificate in certificate chain"


@pytest.mark.parametrize(
    ("tls", "words"),
    [
        (InnerTls(("1.3",)), "TLS versions"),
        (InnerTls(()), "TLS versions"),
        (InnerTls(ciphers="NOT-A-SUITE"), "cipher string"),
    ],
)
def test_unusable_settings(tls, words):
    with pytest.raises(UnusableTlsSettings, match=words):
        TlsDskClientSide(tls)


def test_certificate_and_key_that_do_not_match(lab, other_lab):
    with pytest.raises(UnusableTlsSettings, match="server certificate and key"):
        TlsDskServerSide(lab.server_certificate, lab.phone_key, client_roots=[lab.root])
    with pytest.raises(UnusableTlsSettings, match="client certificate and key"):
        TlsDskClientSide().handshake(lab.phone_certificate, lab.server_key)
    with pytest.raises(UnusableTlsSettings, match="client certificate"):
        TlsDskClientSide().handshake(b"not DER", lab.phone_key)


def test_checking_the_server_needs_the_phones_clock(lab):
    with pytest.raises(UnusableTlsSettings, match="needs the time"):
        TlsDskClientSide(server_roots=[lab.root]).handshake(lab.phone_certificate, lab.phone_key)


@pytest.fixture(scope="module")
def sides(lab):
    return TlsDskClientSide(), server_side(lab)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    noise=st.binary(max_size=600)
    | st.builds(
        lambda body: b"\x16\x03\x01" + len(body).to_bytes(2, "big") + body, st.binary(max_size=300)
    )
)
def test_any_bytes_end_in_a_named_failure_or_more_handshake(lab, sides, noise):
    client_side, server_side_ = sides
    for engine in (
        server_side_.handshake(now=lab.issued),
        client_side.handshake(lab.phone_certificate, lab.phone_key),
    ):
        if engine.role == "client":
            engine.step()
        try:
            out = engine.step(noise)
        except TlsDskHandshakeFailed:
            continue
        assert isinstance(out, bytes)
