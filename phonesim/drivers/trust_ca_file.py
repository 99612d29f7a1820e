"""Reading `--trust-ca FILE`: the CA certificates a phone is told to trust.

Everything wrong with the file is said before the phone powers on, in one
line that names the file and the certificate at fault: a file of the wrong
kind would otherwise surface much later as an untrusted server, which sends
an admin looking at the pool instead of at the file. Whether a certificate
is valid is left to the phone, on its own clock (set by NTP during the boot).
"""

from __future__ import annotations

from pathlib import Path

from phonesim.codec.certificate import summarize_certificate
from phonesim.core.supplied_trust import SuppliedTrust
from phonesim.errors import MalformedCertificate, UsageError

_BEGIN = b"-----BEGIN "
_CERTIFICATE = b"-----BEGIN CERTIFICATE-----"
_LIMIT = 1 << 20
"""A CA bundle is a few kilobytes; a bigger file is not one."""


class TrustCaError(UsageError):
    """`--trust-ca FILE` cannot be used: the file and what is wrong with it."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"--trust-ca {path}: {reason}")


def read_trust_ca(path: Path) -> SuppliedTrust:
    """The CA certificates of a PEM file, each checked to be a CA certificate."""
    try:
        with path.open("rb") as file:
            data = file.read(_LIMIT + 1)
    except FileNotFoundError:
        raise TrustCaError(path, "no such file") from None
    except IsADirectoryError:
        raise TrustCaError(path, "is a folder, not a PEM file") from None
    except OSError as error:
        raise TrustCaError(path, f"cannot be read ({error.strerror or error})") from None
    if len(data) > _LIMIT:
        raise TrustCaError(path, f"larger than {_LIMIT // 1024} KiB: not a CA certificate file")
    if _BEGIN not in data:
        raise TrustCaError(
            path,
            "not a PEM file (no -----BEGIN line; a DER file can be converted with "
            "`openssl x509 -inform der -in FILE -out FILE.pem`)",
        )
    if _CERTIFICATE not in data:
        raise TrustCaError(path, "holds no certificate (no -----BEGIN CERTIFICATE----- block)")
    chain = _certificates(path, data)
    return SuppliedTrust(
        source=str(path),
        certificates=tuple(summarize_certificate(der) for der in chain),
        chain=tuple(chain),
    )


def _certificates(path: Path, data: bytes) -> list[bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    blocks = data.split(_CERTIFICATE)[1:]
    chain: list[bytes] = []
    for number, block in enumerate(blocks, start=1):
        where = f"certificate {number} of {len(blocks)}"
        try:
            cert = x509.load_pem_x509_certificate(_CERTIFICATE + block.split(b"-----BEGIN")[0])
            der = cert.public_bytes(Encoding.DER)
            summary = summarize_certificate(der)
        except (ValueError, MalformedCertificate) as error:
            reason = getattr(error, "reason", None) or str(error).splitlines()[0]
            raise TrustCaError(path, f"{where} cannot be read ({reason})") from None
        if not _is_ca(cert):
            raise TrustCaError(
                path,
                f"{where} ({summary.subject}) is not a CA certificate (no basicConstraints "
                "CA:TRUE): give the certificate of the CA that issued the pool's certificates",
            )
        chain.append(der)
    return chain


def _is_ca(cert: object) -> bool:
    from cryptography import x509

    assert isinstance(cert, x509.Certificate)
    try:
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    except x509.ExtensionNotFound:
        return False
    except ValueError:
        return False
    return bool(constraints.value.ca)


__all__ = ["TrustCaError", "read_trust_ca"]
