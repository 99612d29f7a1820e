"""The server's handshake flight written as few TLS records as it can be.

TLS lets a sender split or join handshake messages across records as it likes (RFC
2246 §6.2.1), and OpenSSL writes one record per message. pidgin-sipe's TLS-DSK client
reads a record that holds only a message with an empty body (ServerHelloDone) as a
failed parse, so it gives up on a flight that ends in such a record; a Lync Front End
(Schannel) sends ServerHello, Certificate, CertificateRequest and ServerHelloDone in
one record. Records after the first ChangeCipherSpec are encrypted and left as they are.
"""

from __future__ import annotations

HANDSHAKE = 22
CHANGE_CIPHER_SPEC = 20
_HEADER = 5
_MAX_FRAGMENT = 2**14


def join_handshake_records(flight: bytes) -> bytes:
    """`flight` with each run of adjacent plaintext handshake records of one version
    joined into as few records as fit; anything it cannot read is returned unchanged."""
    records: list[tuple[int, bytes, bytes]] = []
    at = 0
    while at < len(flight):
        if len(flight) - at < _HEADER:
            return flight
        kind, version = flight[at], flight[at + 1 : at + 3]
        length = int.from_bytes(flight[at + 3 : at + 5], "big")
        body = flight[at + _HEADER : at + _HEADER + length]
        if len(body) != length:
            return flight
        records.append((kind, version, body))
        at += _HEADER + length
    out = bytearray()
    pending: tuple[bytes, bytearray] | None = None
    encrypted = False
    for kind, version, body in records:
        joinable = kind == HANDSHAKE and not encrypted
        if pending is not None and (
            not joinable or version != pending[0] or len(pending[1]) + len(body) > _MAX_FRAGMENT
        ):
            out += _record(HANDSHAKE, pending[0], bytes(pending[1]))
            pending = None
        if joinable:
            if pending is None:
                pending = (version, bytearray())
            pending[1].extend(body)
            continue
        if kind == CHANGE_CIPHER_SPEC:
            encrypted = True
        out += _record(kind, version, body)
    if pending is not None:
        out += _record(HANDSHAKE, pending[0], bytes(pending[1]))
    return bytes(out)


def _record(kind: int, version: bytes, body: bytes) -> bytes:
    return bytes([kind]) + version + len(body).to_bytes(2, "big") + body
