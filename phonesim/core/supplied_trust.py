"""CA certificates an admin hands the phone in place of the root chain download.

The request a phone makes for its root chain is not public (phonesim's is a
guess the lab was built to answer), so against a real pool an admin can give
the pool's CA instead (`--trust-ca FILE`). The phone then trusts exactly those
certificates, and every record of the boot says they were supplied, not
fetched: a run that passes this step this way proves nothing about the
download.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from phonesim.codec.certificate import CertificateSummary


@dataclass(frozen=True, slots=True)
class SuppliedTrust:
    source: str
    """Where the certificates came from, as the user named it (the file)."""
    certificates: tuple[CertificateSummary, ...]
    chain: tuple[bytes, ...] = field(repr=False)
    """The same certificates as DER, for the drivers' TLS trust."""


__all__ = ["SuppliedTrust"]
