"""The phone's certificate and private key after CertProv, as the core's opaque handle.

The key never enters the core: the core asks this handle for a fresh inner TLS
handshake (`SigningCredential`) and the handshake presents the certificate
with the key. One OpenSSL context serves every phone with the same TLS
settings, so a fleet does not build one per phone.
"""

from __future__ import annotations

import functools

from phonesim.codec.tls_dsk.handshake import InnerTls, PrivateKey, TlsDskClient, TlsDskClientSide
from phonesim.core.profile import TlsDskBehaviour


class IssuedCredential:
    __slots__ = ("certificate", "key")

    def __init__(self, certificate: bytes, key: PrivateKey) -> None:
        self.certificate = certificate
        """DER, as GetAndPublishCert returned it."""
        self.key = key

    def handshake(self, tls: TlsDskBehaviour) -> TlsDskClient:
        return _client_side(tls.versions, tls.ciphers).handshake(self.certificate, self.key)

    def __repr__(self) -> str:
        return f"IssuedCredential({len(self.certificate)} bytes, key withheld)"


@functools.cache
def _client_side(versions: tuple[str, ...], ciphers: str) -> TlsDskClientSide:
    return TlsDskClientSide(InnerTls(versions, ciphers))


__all__ = ["IssuedCredential"]
