"""The registrar's handshake flight as Schannel writes it: plaintext handshake messages
joined into one record, which pidgin-sipe's TLS-DSK client needs (a record holding only
ServerHelloDone reads to it as a failed parse)."""

from __future__ import annotations

from phonesim.codec.tls_dsk.records import join_handshake_records

TLS10 = b"\x03\x01"


def record(kind: int, body: bytes, version: bytes = TLS10) -> bytes:
    return bytes([kind]) + version + len(body).to_bytes(2, "big") + body


def message(kind: int, body: bytes) -> bytes:
    return bytes([kind]) + len(body).to_bytes(3, "big") + body


HELLO, CERTIFICATE, REQUEST, DONE = (
    message(2, b"h" * 70),
    message(11, b"c" * 1153),
    message(13, b"\x01\x01\x00\x00"),
    message(14, b""),
)


def test_one_record_per_message_becomes_one_record_for_the_flight():
    flight = b"".join(record(22, m) for m in (HELLO, CERTIFICATE, REQUEST, DONE))
    assert join_handshake_records(flight) == record(22, HELLO + CERTIFICATE + REQUEST + DONE)


def test_change_cipher_spec_and_what_follows_it_stay_as_they_are():
    finished = record(22, b"\x99" * 48)  # encrypted: never joined with anything
    flight = record(20, b"\x01") + finished
    assert join_handshake_records(flight) == flight
    before = record(22, HELLO) + record(22, DONE)
    assert join_handshake_records(before + flight) == record(22, HELLO + DONE) + flight


def test_a_joined_record_never_exceeds_the_largest_fragment():
    big = message(11, b"x" * 9000)
    flight = record(22, big) + record(22, big)
    assert join_handshake_records(flight) == flight


def test_records_of_other_versions_or_unreadable_bytes_are_left_alone():
    mixed = record(22, HELLO) + record(22, DONE, version=b"\x03\x03")
    assert join_handshake_records(mixed) == mixed
    truncated = record(22, HELLO)[:-1]
    assert join_handshake_records(truncated) == truncated
    assert join_handshake_records(b"") == b""
