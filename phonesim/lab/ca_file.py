"""The lab's CA certificate as a PEM file beside its endpoints file.

An admin tries `--trust-ca` against the lab the way they would against a pool:
with the CA certificate in a file. The lab makes a new CA each time it starts,
so the file is written when it starts and taken away when it stops.
"""

from __future__ import annotations

from pathlib import Path

from phonesim.errors import LabDataError


def ca_file_beside(endpoints_file: Path) -> Path:
    """`phonesim-lab.json` → `phonesim-lab.ca.pem`."""
    return endpoints_file.with_name(endpoints_file.stem + ".ca.pem")


def write_ca_file(path: Path, chain: list[bytes]) -> None:
    import ssl

    try:
        path.write_text("".join(ssl.DER_cert_to_PEM_cert(der) for der in chain))
    except OSError as error:
        raise LabDataError(str(path), f"cannot write the CA file: {error.strerror}") from None


def withdraw_ca_file(path: Path, chain: list[bytes]) -> None:
    """Remove the CA file, unless another lab has written its own there since."""
    import ssl

    try:
        if path.read_text() == "".join(ssl.DER_cert_to_PEM_cert(der) for der in chain):
            path.unlink()
    except OSError:
        pass  # gone already, or not ours to remove


__all__ = ["ca_file_beside", "withdraw_ca_file", "write_ca_file"]
