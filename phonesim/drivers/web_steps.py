"""The phone's four web-service steps, each ending in the event the core reads.

A call's result, or whatever went wrong, becomes one event here and nowhere
else: the asyncio runner and the in-memory lab pairing (`phonesim.testing`) run
these same steps, so a failure reaches the core in the same words whichever
network carried it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, cast

from phonesim.codec.certificate import summarize_certificate
from phonesim.core.commands import RequestCertificate, RequestWebTicket
from phonesim.core.events import (
    CertificateAnswered,
    MetadataFetched,
    RootChainFetched,
    WebTicketAnswered,
)
from phonesim.core.failure import ServiceFailure
from phonesim.drivers.certificate_request import PrivateKey, build_csr
from phonesim.drivers.signing_credential import IssuedCredential
from phonesim.drivers.web_failure import WebServiceFailure
from phonesim.errors import PhonesimError

if TYPE_CHECKING:
    from phonesim.drivers.web_services import WebServicesClient, WebTicket


async def fetch_root_chain(
    web: WebServicesClient, url: str
) -> tuple[RootChainFetched, list[bytes]]:
    """The event, and the chain (DER) the phone trusts if it goes on; empty on failure."""
    try:
        chain = await web.fetch_root_chain(url)
        summaries = tuple(summarize_certificate(der) for der in chain)
    except WebServiceFailure as failure:
        return RootChainFetched(url, failure=service_failure(failure)), []
    except PhonesimError as error:
        return RootChainFetched(url, failure=ServiceFailure("malformed", str(error))), []
    return RootChainFetched(url, certificates=summaries), list(chain)


async def fetch_metadata(web: WebServicesClient, url: str) -> MetadataFetched:
    try:
        metadata = await web.fetch_metadata(url)
    except WebServiceFailure as failure:
        return MetadataFetched(url, failure=service_failure(failure))
    return MetadataFetched(url, ports=dict(metadata.ports), issuers=dict(metadata.issuers))


async def request_web_ticket(
    web: WebServicesClient, command: RequestWebTicket
) -> WebTicketAnswered:
    try:
        ticket = await web.request_web_ticket(
            command.address,
            applies_to=command.applies_to,
            username=command.username,
            pin=command.pin,
            pin_format=command.pin_format,
        )
    except WebServiceFailure as failure:
        return WebTicketAnswered(command.address, failure=service_failure(failure))
    return WebTicketAnswered(
        command.address,
        sip_uri=ticket.sip_uri,
        expires_unix=ticket.expires.timestamp(),
        ticket=ticket,
    )


async def request_certificate(
    web: WebServicesClient, command: RequestCertificate, key: PrivateKey
) -> CertificateAnswered:
    csr = build_csr(key, entity=command.entity)
    try:
        der = await web.get_and_publish_cert(
            command.address,
            ticket=cast("WebTicket", command.ticket),  # opaque to the core
            entity=command.entity,
            device_id=command.device_id,
            csr_der=csr,
            request_id=command.request_id,
            created=datetime.fromtimestamp(command.phone_time, UTC),
        )
        summary = summarize_certificate(der)
    except WebServiceFailure as failure:
        return CertificateAnswered(command.address, failure=service_failure(failure))
    except PhonesimError as error:
        return CertificateAnswered(command.address, failure=ServiceFailure("malformed", str(error)))
    return CertificateAnswered(
        command.address, certificate=summary, credential=IssuedCredential(der, key)
    )


def service_failure(failure: WebServiceFailure) -> ServiceFailure:
    diagnostics = failure.diagnostics
    return ServiceFailure(
        kind=failure.kind,
        detail=failure.detail,
        http_status=failure.http_status,
        error_id=None if diagnostics is None else diagnostics.error_id,
        reason=None if diagnostics is None else diagnostics.reason,
        presented=failure.presented,
        fault_code=failure.fault_code,
        server_time=None if failure.server_date is None else failure.server_date.timestamp(),
    )
