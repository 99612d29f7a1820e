"""The phone's TLS trust: exactly the root chain it downloaded, nothing from the host."""

from __future__ import annotations

import ssl
from collections.abc import Sequence


def trust_context(chain: Sequence[bytes]) -> ssl.SSLContext:
    """A client context that verifies servers against `chain` (DER certificates) only."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    for der in chain:
        context.load_verify_locations(cadata=der)
    return context
