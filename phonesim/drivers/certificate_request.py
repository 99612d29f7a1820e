"""The phone's key pair and the PKCS#10 request it sends to the Certificate Provisioning Service.

Generating an RSA-2048 key costs tens of milliseconds; a fleet of thousands of
virtual phones would spend minutes on keys no test cares about. A KeyPool hands out
a few keys round-robin instead, generated the first time they are needed.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

KEY_TYPES = ("rsa-2048", "ec-p256")


class KeyPool:
    def __init__(self, key_type: str = "rsa-2048", size: int = 1) -> None:
        if key_type not in KEY_TYPES:
            raise ValueError(f"key type {key_type!r} is not one of {', '.join(KEY_TYPES)}")
        if size < 1:
            raise ValueError("a key pool holds at least one key")
        self.key_type = key_type
        self.size = size
        self._keys: list[PrivateKey] = []
        self._next = 0

    @property
    def full(self) -> bool:
        """Every key made: `take` generates nothing more."""
        return len(self._keys) >= self.size

    def take(self) -> PrivateKey:
        if len(self._keys) < self.size:
            key = _generate(self.key_type)
            self._keys.append(key)
            return key
        key = self._keys[self._next]
        self._next = (self._next + 1) % self.size
        return key

    def __repr__(self) -> str:
        return f"KeyPool(key_type={self.key_type!r}, size={self.size}, made={len(self._keys)})"


def build_csr(key: PrivateKey, *, entity: str) -> bytes:
    """DER PKCS#10 with subject CN=<entity> (user@domain), signed with SHA-256."""
    request = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, entity)]))
        .sign(key, hashes.SHA256())
    )
    return request.public_bytes(serialization.Encoding.DER)


def _generate(key_type: str) -> PrivateKey:
    if key_type == "ec-p256":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)
