"""The web ticket: the PIN exchanged for a ticket that names the user's SIP URI.

Three requests in turn: the CertProvisioningService's metadata (it names the
Web Ticket service the PIN goes to, so fetching it is the first step of
getting a ticket; its trace and its failures say `certprov`), the Web Ticket
service's metadata (it names the PIN endpoint), then the PIN itself. A
refusal of the PIN is the user's, not the servers': it ends the boot wherever
the servers came from.
"""

from __future__ import annotations

from typing import ClassVar

from phonesim.codec.ocauthws.diagnostics import WEB_TICKET_REFUSALS
from phonesim.codec.web_address import is_tls_url
from phonesim.core.commands import FetchMetadata, RequestWebTicket
from phonesim.core.context import BootContext, utc
from phonesim.core.events import Event, MetadataFetched, WebTicketAnswered
from phonesim.core.stage import Stage
from phonesim.core.stages.base import DONE, Failed, Step, Stepwise, service_failed
from phonesim.core.trace_schema import (
    CERTPROV_METADATA,
    CERTPROV_METADATA_REQUEST,
    WEBTICKET_CACHED_CERTIFICATE_EXPIRED,
    WEBTICKET_ISSUED,
    WEBTICKET_METADATA,
    WEBTICKET_METADATA_REQUEST,
    WEBTICKET_REQUEST,
    WEBTICKET_SKIPPED,
)


class WebTicket(Stepwise):
    __slots__ = ("asking",)
    stage: ClassVar[Stage] = Stage.WEBTICKET

    def __init__(self, ctx: BootContext) -> None:
        super().__init__(ctx)
        self.asking = Stage.CERTPROV
        """Whose metadata the stage waits for: the CertProvisioningService's, then the Web
        Ticket service's."""

    def start(self, now: float) -> Step:
        if self.ctx.warm_certificate and warm_sign_in(self.ctx, now):
            return DONE
        assert self.ctx.web_url is not None
        url = self.ctx.web_url.rstrip("/") + "/mex"
        self.ctx.out.trace(CERTPROV_METADATA_REQUEST, url=url)
        self.ctx.ask(FetchMetadata(url, self.ctx.profile.web.timeout), self)
        return None

    def handle(self, event: Event, now: float) -> Step:
        if isinstance(event, WebTicketAnswered):
            return self._ticket(event)
        assert isinstance(event, MetadataFetched)
        if self.asking is Stage.CERTPROV:
            return self._cert_prov_metadata(event)
        return self._web_ticket_metadata(event)

    def _cert_prov_metadata(self, event: MetadataFetched) -> Step:
        if event.failure is not None:
            return service_failed(Stage.CERTPROV, event.url, event.failure)
        ctx = self.ctx
        port = ctx.profile.web.cert_prov_port
        ctx.cert_prov_auth = event.ports.get(port)
        issuer = event.issuers.get(f"{port}_policy")
        ctx.out.trace(
            CERTPROV_METADATA,
            url=event.url,
            ports=sorted(event.ports),
            auth_address=ctx.cert_prov_auth,
            web_ticket_service=issuer,
        )
        if ctx.cert_prov_auth is None or issuer is None:
            return Failed(
                Stage.CERTPROV,
                "metadata_incomplete",
                f"the CertProvisioningService metadata lacks port {port} or its web ticket issuer",
                servers_at_fault=True,
                url=event.url,
            )
        # The ticket will go to the first, and the PIN to what the second's metadata names:
        # an address in clear text is not followed, whatever the server says.
        plain = next((a for a in (ctx.cert_prov_auth, issuer) if not is_tls_url(a)), None)
        if plain is not None:
            return Failed(
                Stage.CERTPROV,
                "endpoint_not_tls",
                f"the CertProvisioningService metadata names {plain}, not an https address; "
                "the web ticket is sent over verified TLS only, so it is not followed",
                servers_at_fault=True,
                url=event.url,
                address=plain,
            )
        self.asking = Stage.WEBTICKET
        url = issuer.rstrip("/") + "/mex"
        ctx.out.trace(WEBTICKET_METADATA_REQUEST, url=url)
        ctx.ask(FetchMetadata(url, ctx.profile.web.timeout), self)
        return None

    def _web_ticket_metadata(self, event: MetadataFetched) -> Step:
        if event.failure is not None:
            return service_failed(Stage.WEBTICKET, event.url, event.failure)
        ctx = self.ctx
        port = ctx.profile.web.web_ticket_port
        address = event.ports.get(port)
        ctx.out.trace(
            WEBTICKET_METADATA, url=event.url, ports=sorted(event.ports), pin_address=address
        )
        if address is None:
            return Failed(
                Stage.WEBTICKET,
                "no_pin_endpoint",
                f"the Web Ticket service offers no {port} endpoint for PIN sign-in",
                url=event.url,
                ports=sorted(event.ports),
            )
        if not is_tls_url(address):
            return Failed(
                Stage.WEBTICKET,
                "pin_endpoint_not_tls",
                f"the Web Ticket service metadata names {address} for the PIN, not an https "
                "address; the PIN is sent over verified TLS only, so it is not followed",
                servers_at_fault=True,
                url=event.url,
                address=address,
            )
        assert ctx.cert_prov_auth is not None
        identity = ctx.identity
        pin_format = ctx.profile.web.pin_format
        ctx.out.trace(
            WEBTICKET_REQUEST,
            address=address,
            username=identity.sign_in_as,
            pin_format=pin_format,
        )
        ctx.ask(
            RequestWebTicket(
                address=address,
                applies_to=ctx.cert_prov_auth,
                username=identity.sign_in_as,
                pin=identity.pin,
                timeout=ctx.profile.web.timeout,
                pin_format=pin_format,
            ),
            self,
        )
        return None

    def _ticket(self, event: WebTicketAnswered) -> Step:
        failure = event.failure
        if failure is not None:
            if failure.kind != "fault" or failure.error_id is None:
                # A fault without Ms-Diagnostics says nothing of the PIN: it is the
                # service's failure (webticket.fault), not the user's.
                return service_failed(Stage.WEBTICKET, event.address, failure)
            return Failed(
                Stage.WEBTICKET,
                WEB_TICKET_REFUSALS.get(failure.error_id or 0, "pin_rejected"),
                f"the Web Ticket service refused {self.ctx.identity.sign_in_as}: "
                f"{failure.reason or failure.detail}",
                address=event.address,
                error_id=failure.error_id,
                server_reason=failure.reason,
                http_status=failure.http_status,
            )
        ctx = self.ctx
        ctx.ticket = event.ticket
        ctx.sip_uri = event.sip_uri
        ctx.out.trace(
            WEBTICKET_ISSUED,
            sip_uri=event.sip_uri,
            expires=None if event.expires_unix is None else utc(event.expires_unix).isoformat(),
        )
        return DONE


def warm_sign_in(ctx: BootContext, now: float) -> bool:
    """Whether the certificate kept from the last sign-in signs this boot in, now that the
    clock is set; an expired one is dropped and the phone asks for its PIN again."""
    not_after = ctx.certificate_not_after
    assert not_after is not None
    phone_time = ctx.wall_time(now)
    if phone_time < not_after:
        ctx.out.trace(
            WEBTICKET_SKIPPED,
            sip_uri=ctx.sip_uri,
            certificate_not_after=utc(not_after).isoformat(),
            note="the certificate kept from the last sign-in is valid: no PIN asked",
        )
        return True
    ctx.out.trace(
        WEBTICKET_CACHED_CERTIFICATE_EXPIRED,
        sip_uri=ctx.sip_uri,
        certificate_not_after=utc(not_after).isoformat(),
        phone_time=utc(phone_time).isoformat(),
    )
    ctx.drop_kept_certificate()
    return False


__all__ = ["WebTicket", "warm_sign_in"]
