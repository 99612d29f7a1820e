"""A call to the pool's web services that failed, as the drivers raise it.

It lives beside the drivers, not in `phonesim.errors`, because it carries what
the codecs read off the server (its Ms-Diagnostics, the certificate it
presented), and the root of the package's errors imports nothing of the package.
"""

from __future__ import annotations

from datetime import datetime

from phonesim.codec.certificate import CertificateSummary
from phonesim.codec.ocauthws.diagnostics import MsDiagnostics
from phonesim.errors import PhonesimError


class WebServiceFailure(PhonesimError):
    """A call to the pool's web services that did not give the phone what it asked for.

    `kind` says where it stopped, so the phone (and the admin reading the report)
    can tell a network problem from a refusal: unresolved | connect | timeout | tls |
    http_status | fault | rejected | malformed | too_large (over a bound
    of `web_bounds`). `diagnostics` carries the server's
    Ms-Diagnostics error id and reason when it sent them.
    """

    KINDS = (
        "unresolved",
        "connect",
        "timeout",
        "tls",
        "http_status",
        "fault",
        "rejected",
        "malformed",
        "too_large",
    )

    def __init__(
        self,
        kind: str,
        url: str,
        detail: str,
        *,
        http_status: int | None = None,
        diagnostics: MsDiagnostics | None = None,
        presented: CertificateSummary | None = None,
        fault_code: str | None = None,
        server_date: datetime | None = None,
    ) -> None:
        if kind not in self.KINDS:
            raise ValueError(f"unknown web service failure kind {kind!r}")
        self.kind = kind
        self.url = url
        self.detail = detail
        self.http_status = http_status
        self.diagnostics = diagnostics
        self.presented = presented
        """The certificate the server presented, when TLS verification refused it."""
        self.fault_code = fault_code
        """A SOAP fault's code, `{namespace}local`."""
        self.server_date = server_date
        """The server's clock, from the `Date` header of its answer (IIS sends one)."""
        extra = []
        if http_status is not None:
            extra.append(f"HTTP {http_status}")
        if diagnostics is not None:
            extra.append(f"ms-diagnostics {diagnostics.error_id} {diagnostics.reason!r}")
        suffix = f" ({'; '.join(extra)})" if extra else ""
        super().__init__(f"{kind} at {url}: {detail}{suffix}")

    def __repr__(self) -> str:
        return (
            f"WebServiceFailure(kind={self.kind!r}, url={self.url!r}, detail={self.detail!r}, "
            f"http_status={self.http_status!r}, diagnostics={self.diagnostics!r})"
        )
