"""The TLS-DSK key block and the two signing keys cut from it (`tls-dsk.md` §1.6).

MS-SIPAE §3.2.5.1 as SIPE quotes it: 128 bytes of
PRF(master_secret, "client EAP encryption", client_random + server_random), the
same bytes as RFC 5705's exporter with no context. The client signs with bytes
64-95, the server with 96-127, and the HMAC follows the negotiated suite's MAC.
"""

from __future__ import annotations

from dataclasses import dataclass

from phonesim.codec.tls_dsk.prf import prf_tls10
from phonesim.errors import PhonesimError

KEY_BLOCK_LABEL = b"client EAP encryption"
KEY_BLOCK_LENGTH = 128
_CLIENT_KEY = slice(64, 96)
_SERVER_KEY = slice(96, 128)


class UnsupportedSigningSuite(PhonesimError):
    """A negotiated cipher suite whose MAC TLS-DSK signing does not define."""

    def __init__(self, cipher: str) -> None:
        self.cipher = cipher
        super().__init__(
            f"cipher suite {cipher}: TLS-DSK signs with the suite's MAC, and only "
            "SHA-1 and MD5 suites are defined"
        )


@dataclass(frozen=True, slots=True)
class SigningKeys:
    client: bytes
    """Signs what the client sends, verifies nothing on the client."""
    server: bytes
    digest: str
    """hashlib name of the HMAC: "sha1" or "md5"."""

    def __repr__(self) -> str:
        return f"SigningKeys(digest={self.digest!r})"  # keys stay out of logs and traces


def mac_digest(cipher: str) -> str:
    """`AES128-SHA`, `RC4-SHA` → sha1; `RC4-MD5`, `EXP-RC4-MD5` → md5 (OpenSSL names)."""
    name = cipher.upper()
    if name.endswith("-SHA"):
        return "sha1"
    if name.endswith("-MD5"):
        return "md5"
    raise UnsupportedSigningSuite(cipher)


def signing_keys(key_block: bytes, cipher: str) -> SigningKeys:
    if len(key_block) != KEY_BLOCK_LENGTH:
        raise ValueError(f"a TLS-DSK key block is {KEY_BLOCK_LENGTH} bytes, not {len(key_block)}")
    return SigningKeys(key_block[_CLIENT_KEY], key_block[_SERVER_KEY], mac_digest(cipher))


def key_block_tls10(master_secret: bytes, client_random: bytes, server_random: bytes) -> bytes:
    """The key block by hand, for TLS 1.0 (what SIPE computes; the exporter's equal)."""
    return prf_tls10(
        master_secret, KEY_BLOCK_LABEL, client_random + server_random, KEY_BLOCK_LENGTH
    )
