"""The phone's TLS trust: exactly the root chain it downloaded, nothing from the host."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Sequence

from phonesim.codec.certificate import CertificateSummary, summarize_certificate
from phonesim.errors import MalformedCertificate, PhonesimError


def trust_context(chain: Sequence[bytes]) -> ssl.SSLContext:
    """A client context that verifies servers against `chain` (DER certificates) only,
    nothing when it is empty, and checks the server name; the system store plays no part."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    if chain:
        try:
            context.load_verify_locations(
                cadata="".join(ssl.DER_cert_to_PEM_cert(der) for der in chain)
            )
        except ssl.SSLError as exc:
            raise MalformedCertificate(f"cannot trust the chain ({exc.reason})") from None
    return context


async def presented_certificate(
    address: str, port: int, server_name: str | None, timeout: float
) -> CertificateSummary | None:
    """The certificate a server presents, read without checking it.

    Used only after verification failed, so a report can say who issued the
    certificate the phone refused; None when even that cannot be had.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        _reader, writer = await asyncio.wait_for(
            asyncio.open_connection(address, port, ssl=context, server_hostname=server_name),
            timeout,
        )
    except (OSError, TimeoutError, ssl.SSLError):
        return None
    try:
        peer = writer.get_extra_info("ssl_object")
        der = peer.getpeercert(binary_form=True) if peer is not None else None
        return summarize_certificate(der) if der else None
    except PhonesimError:
        return None
    finally:
        writer.close()
