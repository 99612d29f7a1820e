"""The phone's flash: one discovery cache per phone (by MAC) in a state folder.

The API a fleet or a boot needs is `read` (the cache and, if a file was there but
unusable, why) and `save`; a cache is usable when `DiscoveryCache.usable` (a web
services URL and a registrar), and its certificate signs a warm boot in when
`certificate_valid_at(phone_time)`. The certificate and its private key are kept
beside the JSON, in `certificate.der` and `key.pem`, readable by the owner only
(0600): a warm reboot then asks for no PIN, as a real phone does.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from phonesim.core.discovery_cache import DiscoveryCache
from phonesim.drivers.signing_credential import IssuedCredential
from phonesim.errors import UsageError

CERTIFICATE_FILE = "certificate.der"
KEY_FILE = "key.pem"


def _write_private(path: Path, data: bytes) -> None:
    """Written readable by the owner only (0600) from its first byte, then put in place."""
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    os.replace(temporary, path)


class DiscoveryCacheStore:
    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir

    def path_for(self, mac: str) -> Path:
        return self.state_dir / mac.lower().replace(":", "-") / "discovery-cache.json"

    def check_writable(self, mac: str) -> None:
        """Refuse a folder the cache could not be written to, before the boot rather than
        after it (the phone writes its cache once it has signed in). Creates nothing."""
        folder = self.path_for(mac).parent
        existing = folder
        try:
            while not existing.exists() and existing != existing.parent:
                existing = existing.parent
            writable = existing.is_dir() and os.access(existing, os.W_OK | os.X_OK)
        except OSError as error:
            raise UsageError(
                f"cannot write the discovery cache in {folder}: {error.strerror}"
            ) from None
        if not writable:
            raise UsageError(
                f"cannot write the discovery cache in {folder}: "
                f"{existing} is not a folder this user may write to"
            )

    def load(self, mac: str) -> DiscoveryCache | None:
        """The cached values, or None when there are none or the file is damaged."""
        return self.read(mac)[0]

    def read(self, mac: str) -> tuple[DiscoveryCache | None, str | None]:
        """The cached values and, when a file is there but unusable, why (one line, for the
        phone's trace); (None, None) when the phone has no cache at all."""
        path = self.path_for(mac)
        try:
            text = path.read_text()
        except FileNotFoundError:
            return None, None
        except OSError as error:
            return None, f"{path} cannot be read: {error.strerror}"
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as error:
            return None, f"{path} is not JSON ({error})"
        cache = DiscoveryCache.from_json(data)
        if cache is None:
            return None, f"{path} is not a discovery cache of this phonesim (format, fields)"
        credential, problem = self._read_credential(path.parent)
        if credential is not None:
            cache = replace(cache, credential=credential)
        return cache, problem

    def _read_credential(self, folder: Path) -> tuple[IssuedCredential | None, str | None]:
        """The kept certificate and key; a pair that cannot be read is no certificate (the
        phone asks for its PIN), and the reason is said."""
        certificate, key = folder / CERTIFICATE_FILE, folder / KEY_FILE
        if not certificate.exists() and not key.exists():
            return None, None
        try:
            private_key = serialization.load_pem_private_key(key.read_bytes(), password=None)
            der = certificate.read_bytes()
            x509.load_der_x509_certificate(der)
        except (OSError, ValueError, TypeError) as error:
            return None, f"the kept certificate in {folder} cannot be read ({error})"
        if not isinstance(private_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            return None, f"the kept key in {folder} is neither RSA nor EC"
        return IssuedCredential(der, private_key), None

    def save(self, mac: str, cache: DiscoveryCache | None) -> None:
        path = self.path_for(mac)
        if cache is None or not isinstance(cache.credential, IssuedCredential):
            # A cache without a certificate (wiped, or from DHCP before a sign-in) keeps
            # no key of an earlier one.
            (path.parent / KEY_FILE).unlink(missing_ok=True)
            (path.parent / CERTIFICATE_FILE).unlink(missing_ok=True)
        if cache is None:
            path.unlink(missing_ok=True)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        credential = cache.credential
        if isinstance(credential, IssuedCredential):
            key = credential.key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            _write_private(path.parent / KEY_FILE, key)
            _write_private(path.parent / CERTIFICATE_FILE, credential.certificate)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(cache.to_json(), indent=2) + "\n")
        os.replace(temporary, path)  # a crash mid-write leaves the old cache, never half a file
