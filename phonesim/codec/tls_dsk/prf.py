"""The TLS 1.0 pseudo-random function (RFC 2246 §5), written out.

OpenSSL's exporter computes the TLS-DSK key block; this independent copy lets a
test or a diagnosis recompute it from a master secret and the two randoms, and
holds the exporter to the NIST vectors.
"""

from __future__ import annotations

import hmac


def p_hash(digest: str, secret: bytes, seed: bytes, length: int) -> bytes:
    out = b""
    a = seed
    while len(out) < length:
        a = hmac.new(secret, a, digest).digest()
        out += hmac.new(secret, a + seed, digest).digest()
    return out[:length]


def prf_tls10(secret: bytes, label: bytes, seed: bytes, length: int) -> bytes:
    """P_MD5 over the first half of `secret` XOR P_SHA1 over the second (halves overlap
    by one byte when the length is odd)."""
    half = (len(secret) + 1) // 2
    md5 = p_hash("md5", secret[:half], label + seed, length)
    sha1 = p_hash("sha1", secret[len(secret) - half :], label + seed, length)
    return bytes(x ^ y for x, y in zip(md5, sha1, strict=True))
